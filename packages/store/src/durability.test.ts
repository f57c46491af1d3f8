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

/** Runs the writer until `killAfter` says so (given ms since spawn and the model), then SIGKILLs it. */
function runWriter(path: string, prefix: string, mode: string, killAfter: (model: AckModel, opened: boolean) => boolean): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, path, prefix, mode], { stdio: ["ignore", "pipe", "pipe"] });
    const model = new AckModel();
    let stderr = "";
    let opened = false;
    let openedAt = 0;
    let killedAt = 0;
    const kill = () => {
      if (killedAt === 0 && killAfter(model, opened)) {
        killedAt = performance.now();
        child.kill("SIGKILL");
      }
    };
    const timer = setInterval(kill, 1);
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      if (!opened && chunk.startsWith("open\n")) (opened = true), (openedAt = performance.now());
      model.feed(chunk);
      kill();
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (_code, signal) => {
      clearInterval(timer);
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
    for (let r = 0; r < rounds; r++) {
      // Round 0 kills at a random moment from spawn on (possibly while the file is being
      // created and migrated); later rounds at a random moment of the write stream.
      const sinceSpawn = r === 0;
      const start = performance.now();
      const delay = sinceSpawn ? 20 + random() * 200 : 5 + random() * 300;
      let openedAt = 0;
      const round = await runWriter(path, `r${r}`, "normal", (_m, opened) => {
        if (opened && openedAt === 0) openedAt = performance.now();
        const from = sinceSpawn ? start : openedAt;
        return from > 0 && performance.now() - from >= delay;
      });
      expect(round.signal, `round ${r} (seed ${seed}) ended by itself: ${round.stderr}`).toBe("SIGKILL");
      // Carry this round's acknowledgements into the cumulative model, then check them all.
      for (const [id, state] of round.model.acked) model.acked.set(id, state);
      model.inFlight = round.model.inFlight;
      const { problems, integrity } = verify(path, model);
      expect(integrity, `round ${r} (seed ${seed})`).toBe("ok");
      expect(problems, `round ${r} (seed ${seed})`).toEqual([]);
      acked += round.model.ackCount;
      writingMs += round.writingMs;
    }
    // The test means something only if the stream was actually interrupted mid-flight.
    expect(acked, `seed ${seed}`).toBeGreaterThan(200);
    console.log(`kill -9: seed=${seed} rounds=${rounds} acked_ops=${acked} ids=${model.acked.size} acked_ops_per_s=${Math.round(acked / (writingMs / 1000))}`);
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
