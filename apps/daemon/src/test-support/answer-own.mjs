// The asking process tries to answer its own prompt: it subscribes to its user's prompts,
// makes a connection that is held, waits for the prompt about itself and answers it.
// Prints one JSON line: the answer's error (or its outcome) and the prompt's pid.
// argv: socketPath host port
import { connect as tcpConnect } from "node:net";
import { connect } from "@sockgate/protocol/client";

const [socketPath, host, port] = process.argv.slice(2);
const client = await connect({ socketPath, client: { name: "answer-own" } });
const sub = client.subscribe(["prompts"]);
const socket = tcpConnect({ host, port: Number(port) });
socket.on("error", () => {});
const timer = setTimeout(() => {
  process.stdout.write(`${JSON.stringify({ error: "no prompt within 10 s" })}\n`);
  process.exit(1);
}, 10_000);
for await (const event of sub) {
  if (event.type !== "prompt" || event.prompt.app.pid !== process.pid) continue;
  clearTimeout(timer);
  let result;
  try {
    result = { outcome: await client.call("AnswerPrompt", { promptId: event.prompt.id, answer: { action: "allow", scope: "any", duration: "forever" } }) };
  } catch (err) {
    result = { code: err.code, message: err.message };
  }
  process.stdout.write(`${JSON.stringify({ ...result, promptPid: event.prompt.app.pid, pid: process.pid })}\n`);
  break;
}
socket.destroy();
client.close();
process.exit(0);
