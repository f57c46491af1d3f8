// Types shared by several methods of io.sockgate.v1. Plain JSON, as they cross the socket.

/** Who a rule belongs to. A user's rules apply to that user's processes; system rules to everyone's. */
export type Owner = { kind: "system" } | { kind: "user"; uid: number };

/** Which rules a listing or an export covers. */
export type OwnerSelector = Owner | { kind: "all" };

/** Who the daemon says the caller is: the kernel's SO_PEERCRED and SO_PEERGROUPS of the connection. */
export interface PeerInfo {
  uid: number;
  gid: number;
  pid: number;
  /** Supplementary groups at connect time. */
  groups: number[];
  /** Root, or a member of the daemon's admin group: manages system rules and sees everyone's rules, history and activity. */
  admin: boolean;
}

/** A call's id, chosen by the client and echoed in every reply to that call. */
export type CallId = number | string;
