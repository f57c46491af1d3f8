// The question a firewall asks its decision engine: who (application identity) wants to
// do what (operation, protocol) with which addresses. Produced by the daemon from a shim
// event record plus /proc, consumed by @sockgate/decision-engine. Plain data: it crosses
// the client socket as JSON, so every field is a string, number, boolean or array.

export const REQUEST_OPERATIONS = ["socket", "bind", "listen", "connect", "accept", "send"] as const;
export type RequestOperation = (typeof REQUEST_OPERATIONS)[number];

export const REQUEST_PROTOCOLS = ["tcp", "udp", "icmp", "raw"] as const;
export type RequestProtocol = (typeof REQUEST_PROTOCOLS)[number];

export const REQUEST_FAMILIES = ["ipv4", "ipv6"] as const;
export type RequestFamily = (typeof REQUEST_FAMILIES)[number];

export const APP_ID_KINDS = ["systemd", "flatpak", "snap"] as const;
export type AppIdKind = (typeof APP_ID_KINDS)[number];

/** A packaged application or service, derived from the cgroup path (see appIdFromCgroupPath). */
export interface AppId {
  kind: AppIdKind;
  /** systemd: unit name ("nginx.service"); flatpak: app id ("org.mozilla.firefox"); snap: snap name. */
  id: string;
}

export interface Endpoint {
  /** IPv4 or IPv6 text; an IPv4 peer of an AF_INET6 socket may arrive as ::ffff:a.b.c.d. */
  address?: string;
  port?: number;
}

export interface AppIdentity {
  /** Executable path after symlinks, as the kernel saw it. */
  exePath: string;
  /** Kernel dev_t of the executable's filesystem (major << 20 | minor). */
  exeDev: number;
  /** Inode of the executable; a number because inode numbers stay below 2^53 in practice. */
  exeIno: number;
  /** Lowercase hex sha256 of the executable, when the daemon has hashed it. */
  sha256?: string;
  uid: number;
  userName?: string;
  pid: number;
  parentExe?: string;
  /** argv; interpreters (python3 script.py) are told apart by it. */
  cmdline?: string[];
  /** cgroup v2 path, e.g. /user.slice/user-1000.slice/user@1000.service/app.slice/... */
  cgroupPath?: string;
  appId?: AppId;
}

export interface Request {
  operation: RequestOperation;
  protocol: RequestProtocol;
  family: RequestFamily;
  /** Local address/port: what bind/listen name, and the local side of accept. */
  local?: Endpoint;
  /** Peer address/port for connect, send and accept. */
  remote?: Endpoint;
  app: AppIdentity;
  /** Names this application resolved to remote.address (from observed DNS answers). */
  remoteHostNames?: string[];
}

const FLATPAK_SCOPE = /^app-flatpak-(.+)-\d+\.scope$/;
const SNAP_UNIT = /^snap\.([a-z0-9][a-z0-9-]*)\.[^/]+\.(?:scope|service)$/;
const SYSTEMD_UNIT = /\.(?:service|scope|socket|timer|mount)$/;
// Desktop launchers name scopes app-<launcher>-<app>-<random>.scope; the random tail
// changes at every start, so it is dropped to keep the id stable.
const APP_SCOPE_RANDOM = /^(app-.+)-[0-9a-f]+\.scope$/;
// Units systemd creates for itself or per login session say nothing about the application.
const GENERIC_UNIT = /^(?:session-.+\.scope|user@\d+\.service|init\.scope)$/;

/**
 * The application id a cgroup v2 path names, if any. The innermost unit wins: a Flatpak
 * scope inside a user's systemd manager is the Flatpak app, not user@1000.service.
 * Examples:
 *   /system.slice/nginx.service                                  -> systemd nginx.service
 *   /user.slice/.../app.slice/app-flatpak-org.mozilla.firefox-4711.scope -> flatpak org.mozilla.firefox
 *   /user.slice/.../snap.firefox.firefox-0b1c....scope           -> snap firefox
 *   /user.slice/.../app-gnome-org.gnome.Terminal-4242.scope      -> systemd app-gnome-org.gnome.Terminal.scope
 *   /user.slice/user-1000.slice/session-2.scope                  -> undefined (a login session)
 */
export function appIdFromCgroupPath(cgroupPath: string): AppId | undefined {
  const parts = cgroupPath.split("/").filter((p) => p !== "");
  for (let i = parts.length - 1; i >= 0; i--) {
    const unit = parts[i]!;
    const flatpak = FLATPAK_SCOPE.exec(unit);
    if (flatpak) return { kind: "flatpak", id: flatpak[1]! };
    const snap = SNAP_UNIT.exec(unit);
    if (snap) return { kind: "snap", id: snap[1]! };
    if (!SYSTEMD_UNIT.test(unit) || GENERIC_UNIT.test(unit)) continue;
    const appScope = APP_SCOPE_RANDOM.exec(unit);
    return { kind: "systemd", id: appScope ? `${appScope[1]!}.scope` : unit };
  }
  return undefined;
}
