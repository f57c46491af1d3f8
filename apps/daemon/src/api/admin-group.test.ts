import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { groupId, isAdmin } from "./admin-group.js";

const dir = mkdtempSync(join(tmpdir(), "sockgate-group-"));
const file = join(dir, "group");
writeFileSync(file, "root:x:0:\nsockgate:x:990:alice\nbroken:x:gid:\n");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("admin group", () => {
  it("is found by name or taken as a number", () => {
    expect(groupId("sockgate", file)).toBe(990);
    expect(groupId("absent", file)).toBeUndefined();
    expect(groupId("broken", file)).toBeUndefined();
    expect(groupId(4242, file)).toBe(4242);
    expect(groupId("sockgate", join(dir, "missing"))).toBeUndefined();
  });

  it("root, and processes with the group as primary or supplementary group, are admins", () => {
    expect(isAdmin({ uid: 0, gid: 0, groups: [] }, undefined)).toBe(true);
    expect(isAdmin({ uid: 1000, gid: 1000, groups: [27, 990] }, 990)).toBe(true);
    expect(isAdmin({ uid: 1000, gid: 990, groups: [] }, 990)).toBe(true);
    expect(isAdmin({ uid: 1000, gid: 1000, groups: [27] }, 990)).toBe(false);
    expect(isAdmin({ uid: 1000, gid: 1000, groups: [] }, undefined)).toBe(false);
  });
});
