// Who may do what, in one place. A user reads their own rules and the system rules (which
// apply to them too) and writes only their own; admins (root and the admin group) also
// write system rules and read everyone's rules, history and activity. Prompts go to, and
// are answered by, the user whose process asks, and nobody else: an admin answers for no
// one. Each function takes the authenticated Peer and returns what the backend may be
// asked, or throws PermissionDenied.

import { ApiError } from "@sockgate/protocol/client";
import type { HistoryQuery, Owner, OwnerSelector, PeerInfo } from "@sockgate/protocol/client";
import type { BackendEvent, Peer, RuleOwners } from "./backend.js";

export function canSeeRulesOf(peer: PeerInfo, owner: Owner): boolean {
  return owner.kind === "system" || owner.uid === peer.uid || peer.admin;
}

export function canWriteRulesOf(peer: PeerInfo, owner: Owner): boolean {
  return owner.kind === "system" ? peer.admin : owner.uid === peer.uid;
}

export function describeOwner(owner: Owner | OwnerSelector): string {
  return owner.kind === "user" ? `user ${owner.uid}` : owner.kind === "all" ? "every owner" : "the system";
}

function denied(peer: PeerInfo, what: string): ApiError {
  return new ApiError("io.sockgate.PermissionDenied", `uid ${peer.uid} may not ${what}${peer.admin ? "" : " (only root and the admin group may)"}`);
}

/** The owners a listing covers: without a selector, all the peer may see. */
export function listOwners(peer: PeerInfo, selector: OwnerSelector | undefined): RuleOwners {
  if (selector === undefined) return peer.admin ? "all" : [{ kind: "user", uid: peer.uid }, { kind: "system" }];
  if (selector.kind === "all") {
    if (!peer.admin) throw denied(peer, "list every user's rules");
    return "all";
  }
  if (!canSeeRulesOf(peer, selector)) throw denied(peer, `list the rules of ${describeOwner(selector)}`);
  return [selector];
}

/** The owners an export covers: without a selector, the peer's own rules. */
export function exportOwners(peer: PeerInfo, selector: OwnerSelector | undefined): RuleOwners {
  return listOwners(peer, selector ?? { kind: "user", uid: peer.uid });
}

export function requireWrite(peer: Peer, owner: Owner, what = "change"): void {
  requireUnconfined(peer, `${what} rules`);
  if (!canWriteRulesOf(peer, owner)) throw denied(peer, `${what} rules of ${describeOwner(owner)}`);
}

/**
 * Code contained by `sockgate run` runs as its user and can reach this socket: it must not
 * allow itself. Every process sockgate run starts has no_new_privs and a seccomp filter,
 * which it cannot shed, so such clients read but do not write rules or answer prompts.
 */
export function requireUnconfined(peer: Peer, what: string): void {
  if (peer.confined) {
    throw new ApiError(
      "io.sockgate.PermissionDenied",
      `this client (pid ${peer.pid}) runs under no_new_privs with a seccomp filter, as everything sockgate run starts does: it may not ${what}; use sockgate from a terminal outside it`,
    );
  }
}

/** The history query the backend runs: a user's own history; for admins, one user's or everyone's. */
export function historyQuery(peer: PeerInfo, query: HistoryQuery): HistoryQuery {
  if (query.uid !== undefined && query.uid !== peer.uid && !peer.admin) throw denied(peer, `read the history of uid ${query.uid}`);
  if (query.uid === undefined && !peer.admin) return { ...query, uid: peer.uid };
  return query;
}

export function canSeeHistoryOf(peer: PeerInfo, uid: number): boolean {
  return uid === peer.uid || peer.admin;
}

/** Whether a backend event reaches this peer's subscription. */
export function receives(peer: PeerInfo, event: BackendEvent): boolean {
  switch (event.type) {
    case "prompt":
      return event.prompt.uid === peer.uid;
    case "prompt-settled":
      return event.uid === peer.uid;
    case "activity":
      return canSeeHistoryOf(peer, event.activity.uid);
  }
}
