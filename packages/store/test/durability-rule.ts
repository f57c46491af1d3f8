import type { TestRule } from "./test-rule.js";

// The rule the kill -9 writer stores for (id, version), rebuilt by the checker to compare
// byte for byte. Sizes run from a few bytes to ~9 KB so some rows span overflow pages.

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
}

export function ruleFor(id: string, version: number): TestRule {
  const h = hash(`${id}@${version}`);
  const owners = [{ kind: "user", uid: 1000 }, { kind: "user", uid: 1001 }, { kind: "system" }] as const;
  const stamp = `${id}@${version};`;
  return {
    id,
    owner: owners[hash(id) % 3]!,
    action: (["allow", "deny", "ask"] as const)[h % 3]!,
    exe: `/usr/bin/${id}`,
    note: stamp.repeat(Math.ceil((h % 9000) / stamp.length) + 1),
    version,
  };
}
