import type { PeerInfo } from "@sockgate/protocol/client";
import { describe, expect, it } from "vitest";
import { canSeeRulesOf, canWriteRulesOf, historyQuery, listOwners, receives } from "./authorise.js";
import type { BackendEvent } from "./backend.js";

const alice: PeerInfo = { uid: 1000, gid: 1000, pid: 1, groups: [], admin: false };
const admin: PeerInfo = { uid: 1002, gid: 1002, pid: 2, groups: [990], admin: true };
const mine = { kind: "user", uid: 1000 } as const;
const bobs = { kind: "user", uid: 1001 } as const;
const system = { kind: "system" } as const;

describe("authorise", () => {
  it("users read their own and system rules and write only their own; admins read all and write system rules", () => {
    expect([canSeeRulesOf(alice, mine), canSeeRulesOf(alice, system), canSeeRulesOf(alice, bobs)]).toEqual([true, true, false]);
    expect([canWriteRulesOf(alice, mine), canWriteRulesOf(alice, system), canWriteRulesOf(alice, bobs)]).toEqual([true, false, false]);
    expect([canSeeRulesOf(admin, bobs), canWriteRulesOf(admin, system), canWriteRulesOf(admin, bobs)]).toEqual([true, true, false]);
  });

  it("a listing without a selector covers what the peer may see", () => {
    expect(listOwners(alice, undefined)).toEqual([mine, system]);
    expect(listOwners(admin, undefined)).toBe("all");
    expect(() => listOwners(alice, { kind: "all" })).toThrow(expect.objectContaining({ code: "io.sockgate.PermissionDenied" }));
    expect(() => listOwners(alice, bobs)).toThrow(expect.objectContaining({ code: "io.sockgate.PermissionDenied" }));
  });

  it("history: a user's own, whatever they ask; an admin's choice", () => {
    expect(historyQuery(alice, { exe: "/x" })).toEqual({ exe: "/x", uid: 1000 });
    expect(() => historyQuery(alice, { uid: 1001 })).toThrow(expect.objectContaining({ code: "io.sockgate.PermissionDenied" }));
    expect(historyQuery(admin, {})).toEqual({});
    expect(historyQuery(admin, { uid: 1001 })).toEqual({ uid: 1001 });
  });

  it("prompts reach their own user only, admins included; activity reaches its user and admins", () => {
    const promptFor = (uid: number): BackendEvent => ({ type: "prompt", prompt: { uid } as never });
    const activityOf = (uid: number): BackendEvent => ({ type: "activity", activity: { uid } as never });
    expect([receives(alice, promptFor(1000)), receives(alice, promptFor(1001)), receives(admin, promptFor(1000))]).toEqual([true, false, false]);
    expect(receives(alice, { type: "prompt-settled", uid: 1001, promptId: "p", outcome: {} as never })).toBe(false);
    expect([receives(alice, activityOf(1001)), receives(admin, activityOf(1001))]).toEqual([false, true]);
  });
});
