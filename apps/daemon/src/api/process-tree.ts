// "A prompt cannot be answered by the process it asks about, nor by any process in its
// tree": its ancestors up to the login session and its descendants. Read from /proc:
// - descendants: walk up from the answerer through every parent to pid 1. A descendant can
//   leave its session (setsid), so this walk has no session bound. One whose parent exited
//   (a double fork) is re-parented, and /proc keeps no earlier parent: the shim's record of
//   its forks (`descendsFrom`, kernel-shim's lineageOf) still names the asker;
// - ancestors: walk up from the asker while the parent is in the asker's login session:
//   the audit session (/proc/PID/sessionid, set by pam_loginuid at login and not
//   changeable by the user) when the asker has one, else the POSIX session (stat field 6).
//   Above the session sit sshd, the terminal emulator's or tmux's server, the user's
//   systemd and init, which are everyone's ancestors and answer nothing.
// Pids are pinned by start time (stat field 22), so a reused pid is not taken for the asker.

import { readFileSync } from "node:fs";

export interface ProcStat {
  pid: number;
  ppid: number;
  /** POSIX session id. */
  session: number;
  /** Clock ticks since boot. */
  startTime: number;
}

const NO_AUDIT_SESSION = 4294967295;
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

function auditSession(pid: number, procRoot: string): number | undefined {
  try {
    const id = Number(readFileSync(`${procRoot}/${pid}/sessionid`, "utf8").trim());
    return Number.isInteger(id) && id !== NO_AUDIT_SESSION ? id : undefined;
  } catch {
    return undefined;
  }
}

export type AnswererRelation = "unrelated" | "same-process" | "ancestor" | "descendant" | "asker-gone";

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

/** Whether the process `answererPid` may answer a prompt about `askerPid`, and why. */
export function checkAnswerer({ askerPid, askerStartTime, answererPid, procRoot = "/proc", descendsFrom }: AnswerCheckInput): AnswerCheck {
  const asker = readProcStat(askerPid, procRoot);
  if (asker === undefined || (askerStartTime !== undefined && asker.startTime !== askerStartTime)) {
    // Nothing left to be related to: its held calls are gone, and an answer makes rules only.
    return { allowed: true, relation: "asker-gone", sentence: `the asking process ${askerPid} has exited` };
  }
  if (answererPid === askerPid) {
    return { allowed: false, relation: "same-process", sentence: `process ${answererPid} cannot answer a prompt about itself` };
  }
  const answerer = readProcStat(answererPid, procRoot);
  if (answerer !== undefined) {
    for (const p of parents(answerer, procRoot)) {
      if (p.pid === askerPid && p.startTime === asker.startTime) {
        return { allowed: false, relation: "descendant", sentence: `process ${answererPid} was started by the asking process ${askerPid}, so it cannot answer for it` };
      }
    }
  }
  if (descendsFrom?.(answererPid, askerPid, asker.startTime) === true) {
    return { allowed: false, relation: "descendant", sentence: `process ${answererPid} descends from the asking process ${askerPid} (recorded at fork; a parent that exited does not end that), so it cannot answer for it` };
  }
  const audit = auditSession(askerPid, procRoot);
  const inSession = (p: ProcStat): boolean => (audit !== undefined ? auditSession(p.pid, procRoot) === audit : p.session === asker.session);
  for (const p of parents(asker, procRoot)) {
    if (!inSession(p)) break;
    if (p.pid === answererPid) {
      return { allowed: false, relation: "ancestor", sentence: `process ${answererPid} started the asking process ${askerPid} (in its login session), so it cannot answer for it` };
    }
  }
  return { allowed: true, relation: "unrelated", sentence: `process ${answererPid} is outside the tree of process ${askerPid}` };
}
