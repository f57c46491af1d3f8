// The admin group by name or number. Read from the group database at each connection, so
// a group created after the daemon started counts; membership itself comes from the
// peer's groups as the kernel recorded them (SO_PEERGROUPS), so a user added to the group
// becomes an admin at their next login, as with any Unix group.

import { readFileSync } from "node:fs";

/** The gid of `group`, or undefined when no such group exists. */
export function groupId(group: string | number, groupFile = "/etc/group"): number | undefined {
  if (typeof group === "number") return group;
  let text: string;
  try {
    text = readFileSync(groupFile, "utf8");
  } catch {
    return undefined;
  }
  for (const line of text.split("\n")) {
    const [name, , gid] = line.split(":");
    if (name === group && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  return undefined;
}

/** Root, or a process whose primary or supplementary groups include the admin group. */
export function isAdmin(peer: { uid: number; gid: number; groups: readonly number[] }, adminGid: number | undefined): boolean {
  if (peer.uid === 0) return true;
  return adminGid !== undefined && (peer.gid === adminGid || peer.groups.includes(adminGid));
}
