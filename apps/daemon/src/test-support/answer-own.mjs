// The asking process tries to answer its own prompt: it subscribes to its user's prompts,
// makes a connection that is held, waits for the prompt about itself and answers it.
// Prints one JSON line: the answer's error (or its outcome) and the prompt's pid.
// argv: socketPath host port [double-fork]
// With "double-fork" the answer comes from a grandchild whose parent (sh) has exited, so
// it is re-parented and /proc no longer shows that it descends from the asker.
// The grandchild runs this file as: socketPath --answer promptId resultFile
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

const [socketPath, host, port, mode] = process.argv.slice(2);
if (host === "--answer") {
  const [promptId, resultFile] = [port, mode];
  const result = await answer(socketPath, promptId);
  writeFileSync(resultFile, JSON.stringify({ ...result, answererPid: process.pid, answererPpid: Number(readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ")[1]) }));
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
  return { ...JSON.parse(readFileSync(resultFile, "utf8")), shPid: sh.pid };
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
