import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { checkAnswerer, readProcStat, snapshotAsker } from "./process-tree.js";

// A made-up /proc: pid -> [ppid, POSIX session, audit session?]. Start time is the pid * 10.
function fakeProc(tree: Record<number, [number, number, number?]>): string {
  const root = mkdtempSync(join(tmpdir(), "sockgate-proc-"));
  for (const [pid, [ppid, sid, audit]] of Object.entries(tree)) {
    mkdirSync(join(root, pid));
    // comm with a space and a ")" inside, as a process may name itself.
    const fields = ["S", ppid, pid, sid, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, Number(pid) * 10, 0];
    writeFileSync(join(root, pid, "stat"), `${pid} (evil) (name) ${fields.join(" ")}\n`);
    writeFileSync(join(root, pid, "sessionid"), `${audit ?? 4294967295}`);
  }
  return root;
}

const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("readProcStat", () => {
  it("reads ppid, session and start time past a command name with spaces and parentheses", () => {
    const proc = fakeProc({ 42: [7, 5] });
    made.push(proc);
    expect(readProcStat(42, proc)).toEqual({ pid: 42, ppid: 7, session: 5, startTime: 420 });
    expect(readProcStat(43, proc)).toBeUndefined();
  });
});

describe("checkAnswerer on a made-up /proc", () => {
  // 1 init; 100 sshd (session 100); 200 login shell (session 200) -> 300 curl -> 310 its child;
  // 250 a shell that left the session with setsid (session 250) under 200; 400 tmux server (session 400) -> 410 tui.
  const proc = fakeProc({ 1: [0, 1], 100: [1, 100], 200: [100, 200], 300: [200, 200], 310: [300, 200], 250: [200, 250], 260: [250, 250], 400: [1, 400], 410: [400, 410] });
  made.push(proc);
  const check = (askerPid: number, answererPid: number, askerStartTime?: number) => checkAnswerer({ askerPid, answererPid, askerStartTime, procRoot: proc }).relation;

  it("refuses the asker itself, its ancestors in its session and its descendants", () => {
    expect(check(300, 300)).toBe("same-process");
    expect(check(300, 200)).toBe("ancestor");
    expect(check(300, 310)).toBe("descendant");
    // A descendant that left the session is still a descendant.
    expect(check(200, 260)).toBe("descendant");
  });

  it("refuses a descendant /proc no longer leads from (re-parented to init) when the kernel's record of its forks names the asker", () => {
    // 410 (ppid 400) is unrelated by /proc; the lineage says it was forked from 300
    const descendsFrom = (answerer: number, pid: number, ticks: number) => (answerer === 410 ? pid === 300 && ticks === 3000 : undefined);
    expect(checkAnswerer({ askerPid: 300, answererPid: 410, procRoot: proc, descendsFrom })).toMatchObject({ allowed: false, relation: "descendant" });
    expect(checkAnswerer({ askerPid: 200, answererPid: 410, procRoot: proc, descendsFrom }).relation, "another asker").toBe("unrelated");
    expect(checkAnswerer({ askerPid: 300, answererPid: 400, procRoot: proc, descendsFrom }).relation, "no record: /proc decides").toBe("unrelated");
  });

  it("allows processes outside the tree; refuses every ancestor, above the login session too", () => {
    expect(check(300, 410)).toBe("unrelated");
    // sshd answers nothing, but a parent that put the asker in a session of its own would be here too
    expect(check(300, 100)).toBe("ancestor");
    expect(checkAnswerer({ askerPid: 300, answererPid: 410, procRoot: proc })).toMatchObject({ allowed: true });
  });

  it("refuses a process of the asker's own POSIX session: a sibling or cousin forked by the same shell", () => {
    // 320: another child of the login shell 200, in session 200; 250 left it with setsid
    const sib = fakeProc({ 1: [0, 1], 100: [1, 100], 200: [100, 200], 300: [200, 200], 320: [200, 200], 250: [200, 250], 400: [1, 400], 410: [400, 410] });
    made.push(sib);
    expect(checkAnswerer({ askerPid: 300, answererPid: 320, procRoot: sib })).toMatchObject({ allowed: false, relation: "same-session" });
    expect(checkAnswerer({ askerPid: 300, answererPid: 320, procRoot: sib }).sentence).toMatch(/in the session of the asking process 300/);
    // what remains (documented): a process that left the session by setsid and is no ancestor
    expect(checkAnswerer({ askerPid: 300, answererPid: 250, procRoot: sib }).relation).toBe("unrelated");
    expect(checkAnswerer({ askerPid: 300, answererPid: 410, procRoot: sib }).relation).toBe("unrelated");
  });

  it("with nothing recorded, a gone or reused asker pid cannot be answered for", () => {
    expect(checkAnswerer({ askerPid: 999, answererPid: 410, procRoot: proc })).toMatchObject({ allowed: false, relation: "asker-gone" });
    expect(check(300, 410, 1234)).toBe("asker-gone");
    expect(check(300, 200, 3000)).toBe("ancestor");
  });

  it("once the asker has exited, its tree as recorded at the prompt still refuses its ancestors, its session and its descendants", () => {
    // 200 shell (session 200) -> 300 asker -> 310 its child; 400 tmux -> 410 tui (own session); 420 re-parented to init, forked from 300
    const live = fakeProc({ 1: [0, 1], 100: [1, 100], 200: [100, 200], 300: [200, 200], 310: [300, 200], 330: [200, 200], 400: [1, 400], 410: [400, 410], 420: [1, 420] });
    made.push(live);
    const askerTree = snapshotAsker(300, 3000, live)!;
    expect(askerTree).toEqual({ pid: 300, startTime: 3000, session: 200, ancestors: [{ pid: 200, startTime: 2000 }, { pid: 100, startTime: 1000 }] });
    rmSync(join(live, "300"), { recursive: true });
    const descendsFrom = (answerer: number, pid: number, ticks: number) => (answerer === 420 || answerer === 310 ? pid === 300 && ticks === 3000 : undefined);
    const after = (answererPid: number) => checkAnswerer({ askerPid: 300, askerStartTime: 3000, askerTree, answererPid, procRoot: live, descendsFrom });
    expect(after(200)).toMatchObject({ allowed: false, relation: "ancestor" });
    expect(after(200).sentence).toMatch(/has exited/);
    expect(after(330), "a sibling").toMatchObject({ allowed: false, relation: "same-session" });
    expect(after(310), "its child, re-parented").toMatchObject({ allowed: false, relation: "descendant" });
    expect(after(420), "a descendant that left the session, by the fork record").toMatchObject({ allowed: false, relation: "descendant" });
    expect(after(410)).toMatchObject({ allowed: true, relation: "unrelated" });
    // a later process with the asker's pid is not the asker
    expect(checkAnswerer({ askerPid: 300, askerStartTime: 3000, askerTree, answererPid: 410, procRoot: live }).relation).toBe("unrelated");
    // a record of another process (another pid, or the pid at another start) is not used
    expect(checkAnswerer({ askerPid: 300, askerStartTime: 3001, askerTree, answererPid: 410, procRoot: live }).relation).toBe("asker-gone");
  });

  it("a recorded ancestor still counts while the asker runs after it was re-parented", () => {
    // 300 was started by 280 (session 200), which exited: 300 now hangs from init, 200 still runs
    const tree = fakeProc({ 1: [0, 1], 200: [100, 200], 280: [200, 200], 300: [280, 200], 410: [1, 410] });
    made.push(tree);
    const askerTree = snapshotAsker(300, undefined, tree)!;
    writeFileSync(join(tree, "300", "stat"), `300 (asker) S 1 300 200 ${Array(15).fill(0).join(" ")} 3000 0\n`);
    rmSync(join(tree, "280"), { recursive: true });
    writeFileSync(join(tree, "200", "stat"), `200 (sh) S 100 200 777 ${Array(15).fill(0).join(" ")} 2000 0\n`); // and even left the session
    expect(checkAnswerer({ askerPid: 300, askerTree, answererPid: 200, procRoot: tree }).relation).toBe("ancestor");
    expect(checkAnswerer({ askerPid: 300, askerTree, answererPid: 410, procRoot: tree }).relation).toBe("unrelated");
  });

  it("without an audit session, a parent that started the asker in a session of its own (setsid) is still refused (found by an attack)", () => {
    // 200 shell (session 200) -> 300 asker, setsid'ed (session 300)
    const tree = fakeProc({ 1: [0, 1], 200: [1, 200], 300: [200, 300] });
    made.push(tree);
    expect(checkAnswerer({ askerPid: 300, answererPid: 200, procRoot: tree })).toMatchObject({ allowed: false, relation: "ancestor" });
    const askerTree = snapshotAsker(300, 3000, tree)!;
    rmSync(join(tree, "300"), { recursive: true });
    expect(checkAnswerer({ askerPid: 300, askerStartTime: 3000, askerTree, answererPid: 200, procRoot: tree }), "and after it exited").toMatchObject({ allowed: false, relation: "ancestor" });
  });

  it("with an audit session, a parent that escaped the POSIX session by setsid is still in the login session", () => {
    // 500 shell (audit 9) -> 510 setsid'ed launcher (audit 9, own session) -> 520 asker (session 510).
    const audited = fakeProc({ 1: [0, 1], 500: [1, 500, 9], 510: [500, 510, 9], 520: [510, 510, 9], 600: [1, 600, 3] });
    made.push(audited);
    expect(checkAnswerer({ askerPid: 520, answererPid: 500, procRoot: audited }).relation).toBe("ancestor");
    expect(checkAnswerer({ askerPid: 520, answererPid: 600, procRoot: audited }).relation).toBe("unrelated");
  });
});

describe("checkAnswerer on real processes", () => {
  const children: ChildProcess[] = [];
  afterEach(() => children.splice(0).forEach((c) => c.kill()));
  const sleeper = (detached = false): number => {
    const c = spawn("sleep", ["60"], { stdio: "ignore", detached });
    children.push(c);
    return c.pid!;
  };

  it("this process started the asker: refused; a sibling in its session: refused; one in a session of its own: allowed", () => {
    const asker = sleeper();
    const sibling = sleeper();
    const detached = sleeper(true);
    expect(checkAnswerer({ askerPid: asker, answererPid: process.pid })).toMatchObject({ allowed: false, relation: "ancestor" });
    expect(checkAnswerer({ askerPid: process.pid, answererPid: asker })).toMatchObject({ allowed: false, relation: "descendant" });
    expect(checkAnswerer({ askerPid: asker, answererPid: sibling })).toMatchObject({ allowed: false, relation: "same-session" });
    expect(checkAnswerer({ askerPid: asker, answererPid: detached })).toMatchObject({ allowed: true, relation: "unrelated" });
    expect(checkAnswerer({ askerPid: asker, askerStartTime: readProcStat(asker)!.startTime, answererPid: asker })).toMatchObject({ allowed: false, relation: "same-process" });
  });
});
