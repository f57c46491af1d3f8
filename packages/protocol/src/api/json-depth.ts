// How deeply a parsed JSON value nests objects and arrays, counted without recursion. No
// message of the interface nests deeper than about ten levels; a deeper one is refused at
// decode, before schema checks, rule parsing or an error's text recurse through it (a
// 20,000-deep array overflowed the stack in each of those).

export const MAX_JSON_DEPTH = 64;

/** Whether `value` nests more than `limit` levels of objects and arrays. */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}
