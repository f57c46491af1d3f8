import { SockgateError } from "@sockgate/protocol";
import type { Owner, OwnerFilter } from "./types.js";

// Owners map to two columns: (owner_kind, owner_uid), uid NULL for the system.

const MAX_UID = 0xffff_ffff;

export interface OwnerColumns {
  kind: "user" | "system";
  uid: number | null;
}

function describe(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}

function isUid(v: unknown): v is number {
  return Number.isInteger(v) && (v as number) >= 0 && (v as number) <= MAX_UID;
}

/** Checks what the store relies on, whatever the injected validator let through. */
export function ownerColumns(owner: unknown, field: string): OwnerColumns {
  const o = owner as { kind?: unknown; uid?: unknown } | null;
  if (o?.kind === "system") return { kind: "system", uid: null };
  if (o?.kind === "user") {
    if (!isUid(o.uid)) {
      throw new SockgateError(
        "SG_ERR_RULE_INVALID",
        `${field}.uid: expected an integer 0..${MAX_UID}, received ${describe(o.uid)}`,
      );
    }
    return { kind: "user", uid: o.uid };
  }
  throw new SockgateError(
    "SG_ERR_RULE_INVALID",
    `${field}: expected {"kind":"user","uid":<uid>} or {"kind":"system"}, received ${describe(owner)}`,
  );
}

export function ownerFromColumns(kind: string, uid: number | null): Owner {
  return kind === "user" ? { kind: "user", uid: uid as number } : { kind: "system" };
}

export function sameOwner(a: OwnerColumns, b: OwnerColumns): boolean {
  return a.kind === b.kind && a.uid === b.uid;
}

export function describeOwner(o: OwnerColumns): string {
  return o.kind === "user" ? `user ${o.uid}` : "the system";
}

/** Validates a list filter; `all` is the only filter that crosses owners. */
export function checkFilter(filter: OwnerFilter): OwnerFilter {
  if (filter?.kind === "all" || filter?.kind === "system") return filter;
  if (filter?.kind === "user" && isUid(filter.uid)) return filter;
  throw new SockgateError(
    "SG_ERR_BAD_VALUE",
    `owner filter: expected {"kind":"user","uid":<uid>}, {"kind":"system"} or {"kind":"all"}, received ${describe(filter)}`,
  );
}
