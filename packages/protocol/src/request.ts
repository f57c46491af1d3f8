// The question a firewall asks its decision engine: who (application identity) wants to
// do what (operation, protocol) with which addresses. Produced by the daemon from a shim
// event record plus /proc (requestFromEvent), consumed by @sockgate/decision-engine. Plain
// data: it crosses the client socket as JSON (parseRequest), so every field is a string,
// a number, a boolean or an array of them.

export const REQUEST_OPERATIONS = ["socket", "bind", "listen", "connect", "accept", "send"] as const;
export type RequestOperation = (typeof REQUEST_OPERATIONS)[number];

/** "other": any other protocol of an AF_INET/AF_INET6 socket (SCTP, DCCP, ...). */
export const REQUEST_PROTOCOLS = ["tcp", "udp", "icmp", "raw", "other"] as const;
export type RequestProtocol = (typeof REQUEST_PROTOCOLS)[number];

export const REQUEST_FAMILIES = ["ipv4", "ipv6"] as const;
export type RequestFamily = (typeof REQUEST_FAMILIES)[number];

export const APP_ID_KINDS = ["systemd", "user-unit", "flatpak", "snap"] as const;
export type AppIdKind = (typeof APP_ID_KINDS)[number];

/**
 * A packaged application or service, derived from the cgroup path (appIdFromCgroupPath).
 * - systemd: a system unit, from below /system.slice, which only root can create.
 * - user-unit: a unit of user `uid`'s own systemd manager (user@UID.service): that user
 *   can create it under any name, so it never equals the system unit of the same name.
 * - flatpak / snap: what the scope's name claims. Anyone can name a scope
 *   app-flatpak-org.mozilla.firefox-1.scope, so `verified` is true only when the daemon
 *   found the executable to be a root-owned file of that application's installed
 *   deployment (by inode). An unverified id is shown as claimed and matches no rule.
 */
export type AppId =
  | { kind: "systemd"; id: string }
  | { kind: "user-unit"; uid: number; id: string }
  | { kind: "flatpak"; id: string; verified: boolean }
  | { kind: "snap"; id: string; verified: boolean };

/**
 * What is unusual about a process's executable, from the shim's event flags (and, for
 * ld_preload, from the daemon's look at the environment). A request with path_truncated,
 * no_exe, deleted, foreign_mount_ns or memfd never matches a rule on the executable's path.
 */
export const APP_FLAGS = [
  /** The path did not fit the event record and was cut. */
  "path_truncated",
  /** The task has no executable file (a kernel thread, or mm already gone). */
  "no_exe",
  /** The executable was unlinked when it was executed. */
  "deleted",
  /** The path is from another mount namespace (a container or sandbox) than the host's. */
  "foreign_mount_ns",
  /** The executable is an anonymous memfd. */
  "memfd",
  /** The process's executable changed after exec (prctl PR_SET_MM_EXE_FILE); the exec-time
   *  identity was used. */
  "exe_changed",
  /** The shim had no exec-time record: on kernels before 6.16 the identity was read at the
   *  call (a process can change it); else the process has none. */
  "unrecorded",
  /** LD_PRELOAD was set at exec: code other than the executable's may run in it. */
  "ld_preload",
  /** The exec-time argv was longer than the shim records: `cmdline` is its beginning. */
  "argv_truncated",
] as const;
export type AppFlag = (typeof APP_FLAGS)[number];

/** Flags under which a path names nothing trustworthy: rules on `exe` never match them. */
export const UNTRUSTED_PATH_FLAGS: readonly AppFlag[] = ["path_truncated", "no_exe", "deleted", "foreign_mount_ns", "memfd"];

export interface Endpoint {
  /** IPv4 or IPv6 text; an IPv4 peer of an AF_INET6 socket may arrive as ::ffff:a.b.c.d. */
  address?: string;
  port?: number;
}

export interface AppIdentity {
  /** Executable path as the kernel reported it (in the process's mount namespace); "" with no_exe. */
  exePath: string;
  /** Kernel dev_t of the executable's filesystem (major << 20 | minor). */
  exeDev: number;
  /** Inode of the executable. */
  exeIno: number;
  /** Inode generation (i_generation), when the shim reports it: tells a reused inode number apart. */
  exeGeneration?: number;
  /**
   * True only when the daemon looked exePath up on the host just now and found this very
   * file (exeDev, exeIno). Rules on `exe` match only such requests.
   */
  exePathVerified?: boolean;
  /** Lowercase hex sha256 of the executable, when the daemon has hashed it. */
  sha256?: string;
  uid: number;
  userName?: string;
  /** Process id (the thread group id). */
  pid: number;
  /** Process start time in clock ticks since boot (/proc/PID/stat field 22): pid + start time + boot id name one process. */
  startTime?: number;
  parentExe?: string;
  /** argv; interpreters (python3 script.py) are told apart by it. */
  cmdline?: string[];
  /**
   * Where `cmdline` comes from: "exec" is the argv the shim recorded at exec, which the
   * process cannot change; "proc" is /proc/PID/cmdline, which it can rewrite at will.
   * Rules on the command line match "exec" only.
   */
  cmdlineSource?: "exec" | "proc";
  cgroupId?: number;
  /** cgroup v2 path, e.g. /user.slice/user-1000.slice/user@1000.service/app.slice/... */
  cgroupPath?: string;
  appId?: AppId;
  flags?: AppFlag[];
}

export interface Request {
  operation: RequestOperation;
  protocol: RequestProtocol;
  family: RequestFamily;
  /** Local address/port: what bind/listen name, and the local side of connect and accept. */
  local?: Endpoint;
  /** Peer address/port for connect, send and accept; never present for socket, bind, listen. */
  remote?: Endpoint;
  app: AppIdentity;
  /** Names this application resolved to remote.address (from observed DNS answers). */
  remoteHostNames?: string[];
  /** The socket's cookie, so the daemon can find the held flow; not part of any decision. */
  cookie?: number;
}

const FLATPAK_SCOPE = /^app-flatpak-(.+)-\d+\.scope$/;
const SNAP_UNIT = /^snap\.([a-z0-9][a-z0-9-]*)\.[^/]+\.(?:scope|service)$/;
const SYSTEMD_UNIT = /\.(?:service|scope|socket|timer|mount)$/;
// Desktop launchers name scopes app-<launcher>-<app>-<random>.scope; the random tail
// changes at every start, so it is dropped to keep the id stable.
const APP_SCOPE_RANDOM = /^(app-.+)-[0-9a-f]+\.scope$/;
// Units systemd creates for itself or per login session say nothing about the application.
const GENERIC_UNIT = /^(?:session-.+\.scope|user@\d+\.service|init\.scope)$/;
const USER_SLICE = /^user-(\d+)\.slice$/;

/** The innermost meaningful unit of `units` (outermost first), as an id of the given trust. */
function innermost(units: readonly string[], uid: number | undefined): AppId | undefined {
  for (let i = units.length - 1; i >= 0; i--) {
    const unit = units[i]!;
    const flatpak = FLATPAK_SCOPE.exec(unit);
    if (flatpak) return { kind: "flatpak", id: flatpak[1]!, verified: false };
    const snap = SNAP_UNIT.exec(unit);
    if (snap) return { kind: "snap", id: snap[1]!, verified: false };
    if (!SYSTEMD_UNIT.test(unit) || GENERIC_UNIT.test(unit)) continue;
    const appScope = APP_SCOPE_RANDOM.exec(unit);
    const id = appScope ? `${appScope[1]!}.scope` : unit;
    return uid === undefined ? { kind: "systemd", id } : { kind: "user-unit", uid, id };
  }
  return undefined;
}

/**
 * The application id a cgroup v2 path names, if any. Only where a user cannot choose the
 * name: system units below /system.slice; a user's own units below user@UID.service
 * (kind "user-unit"); Flatpak and Snap ids as claims (verified: false) until the daemon
 * checks the executable. The innermost unit wins. Examples:
 *   /system.slice/nginx.service                                    -> systemd nginx.service
 *   /user.slice/user-1000.slice/user@1000.service/app.slice/pipewire.service -> user-unit 1000 pipewire.service
 *   /user.slice/.../user@1000.service/app.slice/app-flatpak-org.mozilla.firefox-4711.scope -> flatpak (claimed)
 *   /user.slice/user-1000.slice/session-2.scope                    -> undefined (a login session)
 */
export function appIdFromCgroupPath(cgroupPath: string): AppId | undefined {
  const parts = cgroupPath.split("/").filter((p) => p !== "");
  if (parts[0] === "system.slice") return innermost(parts.slice(1), undefined);
  const slice = parts[0] === "user.slice" ? USER_SLICE.exec(parts[1] ?? "") : null;
  if (slice !== null && parts[2] === `user@${slice[1]!}.service`) return innermost(parts.slice(3), Number(slice[1]));
  return undefined;
}
