// The asking process tries to answer its own prompt: it subscribes to its user's prompts,
// makes a connection that is held, waits for the prompt about itself and answers it.
// Prints one JSON line: the answer's error (or its outcome) and the prompt's pid.
// argv: socketPath host port [mode]
// With "double-fork" the answer comes from a grandchild whose parent (sh) has exited, so
// it is re-parented and /proc no longer shows that it descends from the asker.
// The grandchild runs this file as: socketPath --answer promptId resultFile
// The other modes have a process of its own tree ask, and this one (or a relative) answer:
// - "parent-after-exit": a child makes a non-blocking connect (held, so it is asked about)
//   and exits; this process, its parent, answers once it has gone;
// - "descendant-after-exit": the asking child starts a grandchild and exits; the grandchild
//   (re-parented) answers for its dead parent;
// - "sibling": this process starts S, then C; C's connect is held and S answers for it.
// Each prints the answer's error (or its outcome), the asker's pid and the answerer's.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { connect } from "@sockgate/protocol/client";

const allowAll = { action: "allow", scope: "any", duration: "forever" };

async function answer(socketPath, promptId) {
  const client = await connect({ socketPath, client: { name: "answer-own" } });
  try {
    return { outcome: await client.call("AnswerPrompt", { promptId, answer: allowAll }) };
  } catch (err) {
    return { code: err.code, message: err.message, parameters: err.parameters };
  } finally {
    client.close();
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const gone = (pid) => !existsSync(`/proc/${pid}`);
const ppidOfSelf = () => Number(readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ")[1]);

/** Waits for `file` (written in one call) and returns its text. */
async function waitFile(file, ms = 15_000) {
  for (let i = 0; i < ms / 50 && !existsSync(file); i++) await sleep(50);
  await sleep(50);
  return readFileSync(file, "utf8");
}

/** Answers the prompt whose id appears in dir/prompt once `waitGone` (a pid, or 0) has exited; writes dir/result.json. */
async function answerFromFile(socketPath, dir, waitGone) {
  const promptId = (await waitFile(join(dir, "prompt"))).trim();
  for (let i = 0; waitGone > 0 && i < 200 && !gone(waitGone); i++) await sleep(50);
  const result = await answer(socketPath, promptId);
  writeFileSync(join(dir, "result.json"), JSON.stringify({ ...result, answererPid: process.pid, answererPpid: ppidOfSelf(), waitedFor: waitGone, askerGone: waitGone > 0 ? gone(waitGone) : undefined }));
}

const [socketPath, host, port, mode] = process.argv.slice(2);
if (host === "--answer") {
  const [promptId, resultFile] = [port, mode];
  const result = await answer(socketPath, promptId);
  writeFileSync(resultFile, JSON.stringify({ ...result, answererPid: process.pid, answererPpid: ppidOfSelf() }));
  process.exit(0);
}
if (host === "--answer-file") {
  // argv: socketPath --answer-file dir [pid to outlive]
  await answerFromFile(socketPath, port, Number(mode ?? 0));
  process.exit(0);
}
if (host === "--ask") {
  // argv: socketPath --ask host:port lingerMs [dir: start a grandchild that answers from there]
  const [h, p] = port.split(":");
  const [lingerMs, dir] = process.argv.slice(5);
  tcpConnect({ host: h, port: Number(p) }).on("error", () => {});
  if (dir !== undefined) spawn(process.execPath, [fileURLToPath(import.meta.url), socketPath, "--answer-file", dir, String(process.pid)], { stdio: "ignore" }).unref();
  setTimeout(() => process.exit(0), Number(lingerMs));
  await new Promise(() => {}); // until the timer ends it
} else if (mode === "parent-after-exit" || mode === "descendant-after-exit" || mode === "sibling") await relatives(mode);

async function relatives(which) {
  const self = fileURLToPath(import.meta.url);
  const dir = mkdtempSync(join(tmpdir(), "sgt-answer-"));
  const client = await connect({ socketPath, client: { name: "answer-own" } });
  const sub = client.subscribe(["prompts"]);
  // sibling: S first (waits for the prompt id in dir), then the asker C
  const sibling = which === "sibling" ? spawn(process.execPath, [self, socketPath, "--answer-file", dir, "0"], { stdio: "ignore" }) : undefined;
  const askArgs = [self, socketPath, "--ask", `${host}:${port}`, which === "sibling" ? "8000" : "1000", ...(which === "descendant-after-exit" ? [dir] : [])];
  const asker = spawn(process.execPath, askArgs, { stdio: "ignore" });
  const askerExited = new Promise((resolve) => asker.on("exit", resolve));
  const timer = setTimeout(() => {
    process.stdout.write(`${JSON.stringify({ error: "no prompt within 10 s" })}\n`);
    process.exit(1);
  }, 10_000);
  let promptId;
  for await (const event of sub) {
    if (event.type === "prompt" && event.prompt.app.pid === asker.pid) {
      promptId = event.prompt.id;
      break;
    }
  }
  clearTimeout(timer);
  let result;
  if (which === "parent-after-exit") {
    await askerExited;
    await sleep(200);
    result = { ...(await answer(socketPath, promptId)), answererPid: process.pid, askerGone: gone(asker.pid) };
  } else {
    writeFileSync(join(dir, "prompt"), promptId);
    result = JSON.parse(await waitFile(join(dir, "result.json")));
  }
  asker.kill("SIGKILL");
  sibling?.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`${JSON.stringify({ ...result, mode: which, promptId, askerPid: asker.pid, siblingPid: sibling?.pid, pid: process.pid })}\n`);
  client.close();
  process.exit(0);
}

const client = await connect({ socketPath, client: { name: "answer-own" } });
const sub = client.subscribe(["prompts"]);
const socket = tcpConnect({ host, port: Number(port) });
socket.on("error", () => {});
const timer = setTimeout(() => {
  process.stdout.write(`${JSON.stringify({ error: "no prompt within 10 s" })}\n`);
  process.exit(1);
}, 10_000);

async function answerFromGrandchild(promptId) {
  const resultFile = join(mkdtempSync(join(tmpdir(), "sgt-answer-")), "result.json");
  const self = fileURLToPath(import.meta.url);
  const sh = spawn("/bin/sh", ["-c", `"$0" "$1" "$2" --answer "$3" "$4" </dev/null >/dev/null 2>&1 &`, process.execPath, self, socketPath, promptId, resultFile], { stdio: "ignore" });
  await new Promise((resolve) => sh.on("exit", resolve));
  for (let i = 0; i < 100 && !existsSync(resultFile); i++) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 100)); // the write is one call; let it finish
  const result = { ...JSON.parse(readFileSync(resultFile, "utf8")), shPid: sh.pid };
  rmSync(dirname(resultFile), { recursive: true, force: true });
  return result;
}

for await (const event of sub) {
  if (event.type !== "prompt" || event.prompt.app.pid !== process.pid) continue;
  clearTimeout(timer);
  const result = mode === "double-fork" ? await answerFromGrandchild(event.prompt.id) : await answer(socketPath, event.prompt.id).then((r) => r, (err) => ({ code: err.code, message: err.message }));
  process.stdout.write(`${JSON.stringify({ ...result, promptPid: event.prompt.app.pid, pid: process.pid })}\n`);
  break;
}
socket.destroy();
client.close();
process.exit(0);
