// "A prompt cannot be answered by the process it asks about, nor by any process in its
// tree": its ancestors, its descendants, and every process of its
// POSIX session. Read from /proc:
// - descendants: walk up from the answerer through every parent to pid 1. A descendant can
//   leave its session (setsid), so this walk has no session bound. One whose parent exited
//   (a double fork) is re-parented, and /proc keeps no earlier parent: the shim's record of
//   its forks (`descendsFrom`, kernel-shim's lineageOf) still names the asker, by pid and
//   start time, so this holds after the asker itself has exited too;
// - ancestors: every ancestor of the asker below init, not only those in its login session:
//   a parent that put the asker in a session of its own (setsid) is still its parent (an
//   attack answered that way). sshd, the terminal's or tmux's server and the user's systemd
//   above the session are refused too, and answer nothing anyway;
// - the session: any process in the asker's POSIX session (a sibling or cousin forked by
//   the same parent, the session leader) is refused. A UI in another terminal has a
//   session of its own (every terminal's shell is a session leader).
// Pids are pinned by start time (stat field 22), so a reused pid is not taken for the asker.
//
// What identifies the tree is recorded when the prompt is raised (snapshotAsker), while the
// asker is alive: its ancestors and its session. Once the asker has exited, /proc can no
// longer lead to it, but the record still refuses its ancestors, its session and (by the
// fork record) its descendants; a prompt whose asker exited before anything was recorded
// cannot be answered at all (it settles at its deadline).

import { readFileSync } from "node:fs";

export interface ProcStat {
  pid: number;
  ppid: number;
  /** POSIX session id. */
  session: number;
  /** Clock ticks since boot. */
  startTime: number;
}

/** What identifies the asker's tree, recorded while it ran (when its prompt was raised). */
export interface AskerTree {
  pid: number;
  startTime: number;
  /** Its POSIX session id. */
  session: number;
  /** Its ancestors below init, nearest first, pinned by start time. */
  ancestors: ReadonlyArray<{ pid: number; startTime: number }>;
}

const MAX_DEPTH = 4096;

/** /proc/PID/stat, or undefined when the process is gone. The command name may hold spaces and ")". */
export function readProcStat(pid: number, procRoot = "/proc"): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`${procRoot}/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // Fields after the command name, which ends at the last ")": state is field 3.
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { pid, ppid: Number(rest[1]), session: Number(rest[3]), startTime: Number(rest[19]) };
}

export type AnswererRelation = "unrelated" | "same-process" | "ancestor" | "descendant" | "same-session" | "asker-gone" | "answerer-gone";

export interface AnswerCheck {
  allowed: boolean;
  relation: AnswererRelation;
  /** One sentence for the error reply and the log. */
  sentence: string;
}

export interface AnswerCheckInput {
  askerPid: number;
  /** The asking process's start time, when the prompt has it: tells it from a later process with the same pid. */
  askerStartTime?: number;
  /** The asker's tree as recorded when its prompt was raised (snapshotAsker); undefined when none was. */
  askerTree?: AskerTree;
  answererPid: number;
  procRoot?: string;
  /** Whether the kernel recorded `askerPid` (started at tick `askerStartTicks`) among the
   *  answerer's ancestors at fork time; undefined when it has no record of the answerer. */
  descendsFrom?: (answererPid: number, askerPid: number, askerStartTicks: number) => boolean | undefined;
}

function* parents(stat: ProcStat, procRoot: string): Generator<ProcStat> {
  let current = stat;
  for (let depth = 0; depth < MAX_DEPTH && current.ppid > 1; depth++) {
    const parent = readProcStat(current.ppid, procRoot);
    if (parent === undefined) return;
    yield parent;
    current = parent;
  }
}

/** Every ancestor of the running asker below init, nearest first. Not only those in its
 *  login session: a parent that put the asker in a session of its own (setsid) is still
 *  its parent, and sshd, tmux or systemd above the session answer nothing anyway. */
function ancestorsOf(asker: ProcStat, procRoot: string): ProcStat[] {
  return [...parents(asker, procRoot)];
}

function treeOf(asker: ProcStat, procRoot: string): AskerTree {
  return { pid: asker.pid, startTime: asker.startTime, session: asker.session, ancestors: ancestorsOf(asker, procRoot).map((p) => ({ pid: p.pid, startTime: p.startTime })) };
}

/** The running process `pid` (started at `startTime`, when known), or undefined when it is gone or its pid was reused. */
function running(pid: number, startTime: number | undefined, procRoot: string): ProcStat | undefined {
  const stat = readProcStat(pid, procRoot);
  return stat !== undefined && (startTime === undefined || stat.startTime === startTime) ? stat : undefined;
}

/** Records the tree of the asking process while it runs; undefined when it is already gone. */
export function snapshotAsker(pid: number, startTime?: number, procRoot = "/proc"): AskerTree | undefined {
  const asker = running(pid, startTime, procRoot);
  return asker === undefined ? undefined : treeOf(asker, procRoot);
}

/** Whether the process `answererPid` may answer a prompt about `askerPid`, and why. */
export function checkAnswerer({ askerPid, askerStartTime, askerTree, answererPid, procRoot = "/proc", descendsFrom }: AnswerCheckInput): AnswerCheck {
  const recorded = askerTree !== undefined && askerTree.pid === askerPid && (askerStartTime === undefined || askerTree.startTime === askerStartTime) ? askerTree : undefined;
  const ticks = askerStartTime ?? recorded?.startTime;
  const asker = running(askerPid, ticks, procRoot);
  const now = asker === undefined ? undefined : treeOf(asker, procRoot);
  const startTime = ticks ?? asker?.startTime;
  const gone = asker === undefined ? ` (it has exited; its tree as recorded when it asked still counts)` : "";
  if (asker !== undefined && answererPid === askerPid) {
    return { allowed: false, relation: "same-process", sentence: `process ${answererPid} cannot answer a prompt about itself` };
  }
  const answerer = readProcStat(answererPid, procRoot);
  if (answerer === undefined) {
    return { allowed: false, relation: "answerer-gone", sentence: `the answering process ${answererPid} has exited, so where it stood cannot be told` };
  }
  if (startTime !== undefined) {
    for (const p of parents(answerer, procRoot)) {
      if (p.pid === askerPid && p.startTime === startTime) {
        return { allowed: false, relation: "descendant", sentence: `process ${answererPid} was started by the asking process ${askerPid}, so it cannot answer for it` };
      }
    }
  }
  if (startTime !== undefined && descendsFrom?.(answererPid, askerPid, startTime) === true) {
    return { allowed: false, relation: "descendant", sentence: `process ${answererPid} descends from the asking process ${askerPid} (recorded at fork; a parent that exited does not end that), so it cannot answer for it` };
  }
  const trees = [recorded, now].filter((t): t is AskerTree => t !== undefined);
  if (trees.length === 0) {
    return { allowed: false, relation: "asker-gone", sentence: `the asking process ${askerPid} exited before its process tree was recorded, so who is outside it cannot be told; the prompt settles at its deadline` };
  }
  if (trees.some((t) => t.ancestors.some((a) => a.pid === answerer.pid && a.startTime === answerer.startTime))) {
    return { allowed: false, relation: "ancestor", sentence: `process ${answererPid} started the asking process ${askerPid} (is among its ancestors), so it cannot answer for it${gone}` };
  }
  if (trees.some((t) => t.session === answerer.session)) {
    return { allowed: false, relation: "same-session", sentence: `process ${answererPid} is in the session of the asking process ${askerPid} (session ${answerer.session}), so it cannot answer for it; answer from a UI in a session of its own (another terminal)${gone}` };
  }
  return { allowed: true, relation: "unrelated", sentence: `process ${answererPid} is outside the tree of process ${askerPid}` };
}
