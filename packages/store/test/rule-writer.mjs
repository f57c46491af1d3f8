// Child process for the kill -9 test: writes rules through the store's public API and
// prints "begin <op>" before and "ok" after each call returns. The parent kills it with
// SIGKILL at a random moment; every op followed by "ok" must be on disk afterwards.
//
// usage: node rule-writer.mjs <db path> <id prefix> [normal|write-behind]
import { existsSync } from "node:fs";
import { registerHooks } from "node:module";
import { performance } from "node:perf_hooks";
import { fileURLToPath, URL } from "node:url";

// Run the TypeScript sources as they are (Node strips the types): map "./x.js" imports
// written for NodeNext to the "./x.ts" file beside them.
registerHooks({
  resolve(specifier, context, nextResolve) {
    if (/^\.\.?\/.*\.js$/.test(specifier) && context.parentURL?.endsWith(".ts")) {
      const ts = new URL(specifier.replace(/\.js$/, ".ts"), context.parentURL);
      if (existsSync(fileURLToPath(ts))) return { url: ts.href, shortCircuit: true };
    }
    return nextResolve(specifier, context);
  },
});

const [path, prefix, mode = "normal"] = process.argv.slice(2);
const { openStore } = await import("../src/index.ts");
const { parseTestRule } = await import("./test-rule.ts");
const { ruleFor } = await import("./durability-rule.ts");

// Pipes are written synchronously on Linux: once write() returns the line is the parent's.
const say = (line) => process.stdout.write(`${line}\n`);
say("opening");
const store = openStore({ path, validateRule: parseTestRule });
say("open");

if (mode === "write-behind") {
  // A deliberately broken writer: it acknowledges before writing and flushes every 50
  // rules. The checker must catch it, or the real test proves nothing.
  const pending = [];
  for (let i = 0; i < 75; i++) {
    const id = `${prefix}-${i}`;
    say(`begin put ${id} 1`);
    pending.push(ruleFor(id, 1));
    say("ok");
    if (pending.length === 50) {
      store.importJson(JSON.stringify({ format: "sockgate-rules", version: 1, exportedAt: "", rules: pending.splice(0) }));
    }
  }
  say("stalled");
  setInterval(() => {}, 1000);
} else {
  const live = [];
  const started = performance.now();
  for (let i = 0; ; i++) {
    // Never outlive a parent that stopped watching (the loop is synchronous: no timers).
    if (performance.now() - started > 60_000) process.exit(3);
    const k = live.length ? Math.imul(i, 2654435761) >>> 0 : 0;
    if (i % 7 === 6 && live.length) {
      const [id] = live.splice(k % live.length, 1)[0];
      say(`begin del ${id}`);
      store.rules.delete(id, ruleFor(id, 0).owner);
    } else if (i % 5 === 4 && live.length) {
      const entry = live[k % live.length];
      entry[1] += 1;
      say(`begin put ${entry[0]} ${entry[1]}`);
      store.rules.put(ruleFor(entry[0], entry[1]));
    } else {
      const id = `${prefix}-${i}`;
      say(`begin put ${id} 1`);
      store.rules.put(ruleFor(id, 1));
      live.push([id, 1]);
    }
    say("ok");
  }
}
