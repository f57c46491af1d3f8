// The supervisor, end to end: spawn the command under the filter (it waits before exec),
// open the daemon session for it, start the native thread, let the command exec, answer
// what the thread hands over by asking the daemon, and end as the command ends.

import { readlinkSync, writeSync } from "node:fs";
import type { RunProfile, RunVerdict } from "@sockgate/protocol/client";
import { runAddon } from "../native.js";
import type { ChildEvent, NativeCall, NativeChild, NativeSupervisor } from "../native.js";
import { answerOf, describeRefusal, runCallsOf } from "./call-mapping.js";
import { DaemonLink } from "./daemon-link.js";
import { HeldCalls } from "./interrupt-held.js";
import { CommandError } from "./resolve-command.js";
import { relaySignals } from "./signals.js";

const EACCES = 13;
const EINTR = 4;
/** Read by the addon's spawn (native/run/spawn.h): "1" installs the filter without WAIT_KILLABLE_RECV. */
export const INTERRUPTIBLE_WAIT_ENV = "SOCKGATE_RUN_TEST_INTERRUPTIBLE_WAIT";

export interface SuperviseOptions {
  file: string;
  argv: string[];
  env: NodeJS.ProcessEnv;
  noIoUring: boolean;
  quiet: boolean;
  stats?: boolean;
  socketPath?: string;
  profile?: RunProfile;
}

/** How the command ended, for exitLike(). */
export type CommandEnd = { kind: "exited" | "killed"; value: number };

export class RunFailure extends Error {}

/** stderr without Node's stream (which would make the command's stderr non-blocking too). */
export function say(text: string): void {
  try {
    writeSync(2, `${text}\n`);
  } catch {
    // stderr is gone: nobody to tell
  }
}

function exeOf(tgid: number): string {
  try {
    return readlinkSync(`/proc/${tgid}/exe`);
  } catch {
    return `process ${tgid}`;
  }
}

function answer(sup: NativeSupervisor, link: DaemonLink, held: HeldCalls, call: NativeCall, quiet: boolean): void {
  const questions = runCallsOf(call, "");
  held.add(call);
  Promise.all(questions.map(({ session: _, ...q }) => link.decide(q))).then(
    (verdicts: RunVerdict[]) => {
      if (!held.settle(call)) return; // a signal ended it (EINTR) while it waited
      const a = answerOf(verdicts);
      sup.respond(call.id, a.allow, EACCES, a.remember, a.onChecked);
      if (!a.allow && !quiet) say(describeRefusal(call, verdicts, exeOf(call.tgid)));
    },
    (err: Error) => {
      if (!held.settle(call)) return;
      // never continued undecided: a question the daemon could not answer is a refusal
      sup.respond(call.id, false, EACCES, []);
      const gone = (err as { code?: string }).code === "io.sockgate.NotFound";
      if (!quiet && !gone) say(`sockgate run: ${call.op} by ${exeOf(call.tgid)} refused (EACCES): ${err.message}`);
    },
  );
}

export async function superviseCommand(o: SuperviseOptions): Promise<CommandEnd> {
  const addon = runAddon();
  const env = Object.entries(o.env)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`);
  let child: NativeChild;
  try {
    child = new addon.Child(o.file, o.argv, env, { noIoUring: o.noIoUring });
  } catch (err) {
    throw new RunFailure(`cannot start ${o.argv[0]} under the filter: ${(err as Error).message}`);
  }
  // The test hook of native/run/spawn.h: the pre-5.19 wait (a signal restarts a held call, asked again).
  if (!child.killableWait && process.env[INTERRUPTIBLE_WAIT_ENV] === "1" && !o.quiet) {
    say(`sockgate run: ${INTERRUPTIBLE_WAIT_ENV}=1 (a test hook): held calls wait as before Linux 5.19, a caught signal restarts them and they are asked again`);
  }
  // the thread starts after the session: until then there is nothing to forget
  const native: { supervisor?: NativeSupervisor } = {};
  const stale = (): void => native.supervisor?.flush();
  let link: DaemonLink;
  try {
    ({ link } = await DaemonLink.open({ socketPath: o.socketPath, pid: child.pid, ...(o.profile ? { profile: o.profile } : {}), onStale: stale, onNotice: (t) => void (o.quiet || say(t)) }));
  } catch (err) {
    child.signal(9);
    throw new RunFailure(`${(err as Error).message}: nothing could be decided, so ${o.argv[0]} was not started`);
  }
  const held = new HeldCalls((call) => void sup.respond(call.id, false, EINTR, []));
  const sup = new addon.Supervisor(child.listenerFd, (call) => answer(sup, link, held, call, o.quiet));
  native.supervisor = sup;
  sup.start();
  const relay = relaySignals(child, () => addon.terminalForeground());
  const ended = new Promise<CommandEnd>((resolve) => {
    child.watch((ev: ChildEvent) => {
      if (ev.kind === "stopped") relay.commandStopped(ev.value);
      else if (ev.kind === "exited" || ev.kind === "killed") resolve({ kind: ev.kind, value: ev.value });
    });
  });
  const execErr = child.go();
  if (execErr !== 0) {
    await ended;
    held.stop();
    relay.stop();
    link.close();
    sup.stop();
    const enoent = execErr === 2;
    throw new CommandError(`${o.argv[0]}: ${enoent ? "no such file" : `cannot execute (errno ${execErr})`}`, enoent ? 127 : 126);
  }
  const end = await ended;
  if (o.stats) say(`sockgate run: stats ${JSON.stringify({ ...sup.stats(), killableWait: child.killableWait })}`);
  held.stop();
  relay.stop();
  link.close();
  sup.stop();
  return end;
}
