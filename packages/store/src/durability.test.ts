import Database from "better-sqlite3";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { AckModel } from "../test/ack-model.js";
import { parseTestRule } from "../test/test-rule.js";
import { useTempDirs } from "../test/temp-dir.js";
import { openStore } from "./open-store.js";

// "A rule the store acknowledged survives kill -9 at any moment": a child process writes
// rules through the public API and prints an ack after each call returns; we SIGKILL it at
// random moments, reopen the file and compare it with every acknowledgement.

const tempDir = useTempDirs();
const WRITER = fileURLToPath(new URL("../test/rule-writer.mjs", import.meta.url));
const seed = Number(process.env.STORE_KILL_SEED ?? Date.now() % 1_000_000);

function mulberry32(a: number): () => number {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Round {
  model: AckModel;
  signal: NodeJS.Signals | null;
  stderr: string;
  writingMs: number;
}

/** Runs the writer, asking `killAfter` every millisecond and on every output chunk; SIGKILLs it on true. */
function runWriter(path: string, prefix: string, mode: string, killAfter: (model: AckModel) => boolean): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, path, prefix, mode], { stdio: ["ignore", "pipe", "pipe"] });
    const model = new AckModel();
    let stderr = "";
    let openedAt = 0;
    let killedAt = 0;
    const kill = () => {
      if (killedAt === 0 && killAfter(model)) {
        killedAt = performance.now();
        child.kill("SIGKILL");
      }
    };
    const timer = setInterval(kill, 1);
    // A writer that never reaches the kill condition is stopped anyway and the round fails.
    const watchdog = setTimeout(() => {
      stderr += "\n[test] watchdog: no kill condition after 30 s";
      child.kill("SIGKILL");
    }, 30_000);
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      model.feed(chunk);
      if (model.opened && openedAt === 0) openedAt = performance.now();
      kill();
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (_code, signal) => {
      clearInterval(timer);
      clearTimeout(watchdog);
      resolve({ model, signal, stderr, writingMs: openedAt && killedAt ? killedAt - openedAt : 0 });
    });
  });
}

function verify(path: string, model: AckModel): { problems: string[]; integrity: unknown } {
  const store = openStore({ path, validateRule: parseTestRule });
  try {
    const raw = new Database(path, { readonly: true });
    const integrity = raw.pragma("integrity_check", { simple: true });
    raw.close();
    const get = (id: string) => store.rules.get(id);
    const problems = model.check(get, store.rules.list().map((r) => r.id));
    model.settle(get);
    return { problems, integrity };
  } finally {
    store.close();
  }
}

describe("kill -9 durability", () => {
  it("keeps every acknowledged write across SIGKILLs at random moments", async () => {
    const random = mulberry32(seed);
    const path = join(tempDir(), "kill.db");
    const model = new AckModel();
    const rounds = 10;
    let acked = 0;
    let writingMs = 0;
    let killedBeforeOpen = 0;
    for (let r = 0; r < rounds; r++) {
      // Round 0 kills 0-4 ms after the writer starts openStore on the new file: while it is
      // being created and migrated, or just after. Later rounds wait for a random number of
      // acknowledged ops, then a random 0-30 ms more, so the kill lands anywhere inside an
      // op while every round still writes something, however slow the machine.
      const openingMs = random() * 4;
      const ackTarget = 20 + Math.floor(random() * 80);
      const extraMs = random() * 30;
      let armedAt = 0;
      const round = await runWriter(path, `r${r}`, "normal", (m) => {
        if (armedAt === 0 && (r === 0 ? m.opening : m.ackCount >= ackTarget)) armedAt = performance.now();
        return armedAt > 0 && performance.now() - armedAt >= (r === 0 ? openingMs : extraMs);
      });
      expect(round.signal, `round ${r} (seed ${seed}) ended by itself: ${round.stderr}`).toBe("SIGKILL");
      expect(round.stderr, `round ${r} (seed ${seed})`).not.toMatch(/watchdog/);
      // Carry this round's acknowledgements into the cumulative model, then check them all.
      for (const [id, state] of round.model.acked) model.acked.set(id, state);
      model.inFlight = round.model.inFlight;
      const { problems, integrity } = verify(path, model);
      expect(integrity, `round ${r} (seed ${seed})`).toBe("ok");
      expect(problems, `round ${r} (seed ${seed})`).toEqual([]);
      acked += round.model.ackCount;
      if (!round.model.opened) killedBeforeOpen++;
      writingMs += round.writingMs;
    }
    // The test means something only if rounds 1..9 each acknowledged at least 20 ops.
    expect(acked, `seed ${seed}`).toBeGreaterThanOrEqual(9 * 20);
    console.log(`kill -9: seed=${seed} rounds=${rounds} killed_before_open=${killedBeforeOpen} acked_ops=${acked} ids=${model.acked.size} acked_ops_per_s=${Math.round(acked / (writingMs / 1000))}`);
  }, 120_000);

  it("catches a writer that acknowledges before the write (the check can fail)", async () => {
    const path = join(tempDir(), "broken.db");
    const round = await runWriter(path, "wb", "write-behind", (m) => m.ackCount >= 75);
    expect(round.signal, round.stderr).toBe("SIGKILL");
    const { problems, integrity } = verify(path, round.model);
    expect(integrity).toBe("ok");
    expect(problems).toHaveLength(25);
    expect(problems[0]).toBe("wb-50: acknowledged as 1, missing");
  }, 60_000);
});
