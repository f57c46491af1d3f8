import { describe, expect, it } from "vitest";
import { governedScope, readPasswd, uidRange } from "./governed.js";

const PASSWD = "root:x:0:0::/root:/bin/bash\nnobody:x:65534:65534::/:/usr/sbin/nologin\nalice:x:1000:1000::/home/alice:/bin/sh\nbob:x:1001:1001::/:/bin/sh\nsvc:x:999:999::/:/bin/false\n";

describe("governed scope", () => {
  it("human users are uid >= UID_MIN (login.defs) and <= UID_MAX, except nobody", () => {
    const range = uidRange("# comment\nUID_MIN\t\t 1000\nUID_MAX 60000\n");
    expect(range).toEqual({ min: 1000, max: 60000 });
    const s = governedScope({ users: "human", cgroups: [] }, readPasswd(PASSWD), { min: 1000, max: 70000 });
    expect([...s.uids]).toEqual([1000, 1001]);
    expect(s.governs({ uid: 0 })).toBe(false);
    expect(s.governs({ uid: 1001 })).toBe(true);
  });

  it("configured cgroups are governed whatever the uid, their descendants too, a sibling with a longer name not", () => {
    const s = governedScope({ users: [1000, "bob", "ghost"], cgroups: ["/sockgate.shell/"] }, readPasswd(PASSWD), uidRange(""));
    expect([...s.uids]).toEqual([1000, 1001]);
    expect(s.governs({ uid: 0, cgroupPath: "/sockgate.shell" })).toBe(true);
    expect(s.governs({ uid: 0, cgroupPath: "/sockgate.shell/inner" })).toBe(true);
    expect(s.governs({ uid: 0, cgroupPath: "/sockgate.shellfish" })).toBe(false);
    expect(s.governs({ uid: 0 })).toBe(false);
  });
});
