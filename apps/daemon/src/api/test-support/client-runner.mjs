// A client process for the server tests, run as a test user (setpriv). It connects with
// the typed client from @sockgate/protocol/client and then does what the test asks, one
// JSON command per stdin line, answering one JSON line per result on stdout:
//   {seq, op:"call", method, parameters}      -> {seq, ok} | {seq, error}
//   {seq, op:"subscribe", topics}             -> {seq, event} per event, then {seq, end} or {seq, error}
//   {seq, op:"cancel", sub}                   -> {seq, ok:true} (sub: the subscribe command's seq)
//   {seq, op:"raw", parts, replies, waitMs}   -> {seq, replies:[...], closed}: a second, raw connection
//   {seq, op:"spawn"}                         -> {seq, pid}: a child (sleep) of this process
//   {seq, op:"connections", count, waitMs}    -> {seq, replies:[[first reply or null]...]}: opens count raw connections at once
// argv: socketPath [versions, comma-separated]
import { spawn } from "node:child_process";
import { connect as netConnect } from "node:net";
import { createInterface } from "node:readline";
import { connect } from "@sockgate/protocol/client";

const [socketPath, versions] = process.argv.slice(2);
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
const failure = (err) => ({ code: err.code ?? "local", message: err.message, parameters: err.parameters ?? {} });

let client;
try {
  client = await connect({ socketPath, client: { name: "client-runner" }, ...(versions ? { versions: versions.split(",") } : {}) });
  out({ ready: client.hello });
} catch (err) {
  out({ error: failure(err) });
  process.exit(0);
}

const subs = new Map();
const children = [];

/** Sends `parts` ({text} or {fill, count}) on a new connection; collects up to `replies` reply lines. */
function raw(parts, replies, waitMs) {
  return new Promise((resolve) => {
    const got = [];
    let buffered = "";
    let closed = false;
    const s = netConnect(socketPath);
    const done = () => {
      clearTimeout(timer);
      s.destroy();
      resolve({ replies: got, closed });
    };
    const timer = setTimeout(done, waitMs);
    s.on("connect", () => {
      for (const p of parts) s.write(p.text ?? p.fill.repeat(p.count));
    });
    s.on("data", (d) => {
      buffered += d.toString("utf8");
      for (let nl = buffered.indexOf("\n"); nl !== -1; nl = buffered.indexOf("\n")) {
        got.push(JSON.parse(buffered.slice(0, nl)));
        buffered = buffered.slice(nl + 1);
      }
      if (got.length >= replies) done();
    });
    s.on("error", () => {});
    s.on("close", () => {
      closed = true;
      done();
    });
  });
}

async function firstReplies(count, waitMs) {
  const sockets = [];
  const firsts = await Promise.all(
    Array.from({ length: count }, () => new Promise((resolve) => {
      const s = netConnect(socketPath);
      sockets.push(s);
      const timer = setTimeout(() => resolve(null), waitMs);
      s.once("data", (d) => {
        clearTimeout(timer);
        resolve(JSON.parse(d.toString("utf8").split("\n")[0]));
      });
      s.on("error", () => {});
    })),
  );
  for (const s of sockets) s.destroy();
  return firsts;
}

async function handle(cmd) {
  const { seq } = cmd;
  switch (cmd.op) {
    case "call":
      try {
        out({ seq, ok: await client.call(cmd.method, cmd.parameters ?? {}) });
      } catch (err) {
        out({ seq, error: failure(err) });
      }
      return;
    case "subscribe": {
      const sub = client.subscribe(cmd.topics);
      subs.set(seq, sub);
      try {
        for await (const event of sub) out({ seq, event });
        out({ seq, end: true });
      } catch (err) {
        out({ seq, error: failure(err) });
      }
      return;
    }
    case "cancel":
      await subs.get(cmd.sub).cancel();
      out({ seq, ok: true });
      return;
    case "raw":
      out({ seq, ...(await raw(cmd.parts, cmd.replies, cmd.waitMs ?? 2000)) });
      return;
    case "spawn": {
      const child = spawn("sleep", ["300"], { stdio: "ignore" });
      children.push(child);
      out({ seq, pid: child.pid });
      return;
    }
    case "connections":
      out({ seq, replies: await firstReplies(cmd.count, cmd.waitMs ?? 1000) });
      return;
  }
}

const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => void handle(JSON.parse(line)));
lines.on("close", () => {
  for (const c of children) c.kill();
  client.close();
  process.exit(0);
});
