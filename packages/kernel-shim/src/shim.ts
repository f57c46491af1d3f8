// openShim(): validates options, loads or re-adopts the pinned shim through the addon,
// and wraps the native handle in the typed Shim API.
import { statfsSync } from "node:fs";
import { SockgateError } from "@sockgate/protocol";
import { DEFAULT_CONFIG, mergeConfig } from "./config.js";
import { programStatsByHook, sumCounters } from "./counters.js";
import { callNative, loadAddon } from "./native.js";
import type { NativeShimHandle } from "./native.js";
import { DEFAULT_PIN_DIR, checkPinDir, makePinDirs, removeEmptyDirs } from "./pin-dir.js";
import type {
  HookCounters,
  ProgramStats,
  Shim,
  ShimConfig,
  ShimOptions,
  ShimStats,
  VerdictKey,
  VerdictValue,
} from "./types.js";
import {
  VERDICT_KEY_BYTES,
  VERDICT_VALUE_BYTES,
  decodeConfig,
  decodeVerdictKey,
  decodeVerdictValue,
  encodeConfig,
  encodeVerdictKey,
  encodeVerdictValue,
} from "./verdict-layout.js";

const CGROUP2_SUPER_MAGIC = 0x63677270;
const DEFAULT_MAX_VERDICTS = 65536;

function checkCgroup(path: unknown): string {
  if (typeof path !== "string" || path === "") {
    throw new SockgateError("SG_ERR_BAD_VALUE", `cgroupPath is invalid: expected a cgroup v2 directory, got ${JSON.stringify(path)}`);
  }
  let type: number;
  try {
    type = statfsSync(path).type;
  } catch (err) {
    throw new SockgateError(
      "SG_ERR_BAD_VALUE",
      `cgroupPath ${path} is unavailable: expected an existing cgroup v2 directory, statfs() failed with ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      { cause: err },
    );
  }
  if (type !== CGROUP2_SUPER_MAGIC) {
    throw new SockgateError(
      "SG_ERR_BAD_VALUE",
      `cgroupPath ${path} is not on cgroup2: expected filesystem magic 0x${CGROUP2_SUPER_MAGIC.toString(16)}, got 0x${type.toString(16)}`,
    );
  }
  return path;
}

function checkMaxVerdicts(n: unknown): number {
  if (n === undefined) return DEFAULT_MAX_VERDICTS;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > 0xffff_ffff) {
    throw new SockgateError("SG_ERR_BAD_VALUE", `maxVerdicts is invalid: expected an integer from 1 to 4294967295, got ${JSON.stringify(n)}`);
  }
  return n;
}

class OpenShim implements Shim {
  readonly adopted: boolean;
  readonly pinDir: string;
  #native: NativeShimHandle | undefined;
  #listeners = new Set<{ fn: (record: Buffer) => void }>();
  #statsTokens = new Set<number>();
  #verdictMapFull = 0;

  constructor(native: NativeShimHandle, pinDir: string) {
    this.#native = native;
    this.pinDir = pinDir;
    this.adopted = native.adopted();
  }

  #handle(method: string): NativeShimHandle {
    if (this.#native === undefined) {
      throw new SockgateError("SG_ERR_SHIM_CLOSED", `shim.${method}() was called after close(): expected an open shim (pinDir ${this.pinDir})`);
    }
    return this.#native;
  }

  setVerdict(key: VerdictKey, value: VerdictValue): void {
    const native = this.#handle("setVerdict");
    const k = encodeVerdictKey(key);
    const v = encodeVerdictValue(value);
    if (!callNative(() => native.updateVerdict(k, v))) {
      this.#verdictMapFull++;
      throw new SockgateError(
        "SG_ERR_VERDICT_MAP_FULL",
        `setVerdict for ${key.op}/${key.proto} of ino ${key.exeIno} failed: the kernel verdict map is full (E2BIG), so the unknown policy keeps applying; delete verdicts or reopen with a larger maxVerdicts after unloadShim()`,
      );
    }
  }

  deleteVerdict(key: VerdictKey): boolean {
    const native = this.#handle("deleteVerdict");
    const k = encodeVerdictKey(key);
    return callNative(() => native.deleteVerdict(k));
  }

  listVerdicts(): Array<{ key: VerdictKey; value: VerdictValue }> {
    const native = this.#handle("listVerdicts");
    const bytes = callNative(() => native.listVerdicts());
    const entry = VERDICT_KEY_BYTES + VERDICT_VALUE_BYTES;
    const out: Array<{ key: VerdictKey; value: VerdictValue }> = [];
    for (let at = 0; at + entry <= bytes.length; at += entry) {
      out.push({ key: decodeVerdictKey(bytes, at), value: decodeVerdictValue(bytes, at + VERDICT_KEY_BYTES) });
    }
    return out;
  }

  getConfig(): ShimConfig {
    const native = this.#handle("getConfig");
    return decodeConfig(callNative(() => native.readConfig()));
  }

  setConfig(patch: Partial<ShimConfig>): void {
    const native = this.#handle("setConfig");
    const bytes = encodeConfig(mergeConfig(this.getConfig(), patch));
    callNative(() => native.writeConfig(bytes));
  }

  counters(): HookCounters {
    const native = this.#handle("counters");
    const { cpus, bytes } = callNative(() => native.readCounters());
    return sumCounters(bytes, cpus);
  }

  programStats(): ProgramStats {
    const native = this.#handle("programStats");
    return programStatsByHook(callNative(() => native.programStats()));
  }

  enableStats(): () => void {
    const native = this.#handle("enableStats");
    const token = callNative(() => native.enableStats());
    this.#statsTokens.add(token);
    return () => {
      if (this.#statsTokens.delete(token)) this.#native?.disableStats(token);
    };
  }

  stats(): ShimStats {
    return { verdictMapFull: this.#verdictMapFull };
  }

  onEvent(listener: (record: Buffer) => void): () => void {
    const native = this.#handle("onEvent");
    if (typeof listener !== "function") {
      throw new SockgateError("SG_ERR_BAD_VALUE", `onEvent listener is invalid: expected a function, got ${typeof listener}`);
    }
    const entry = { fn: listener };
    this.#listeners.add(entry);
    if (this.#listeners.size === 1) callNative(() => native.startEvents((record) => this.#dispatch(record)));
    return () => {
      if (!this.#listeners.delete(entry)) return;
      // No listener: stop watching, so the ring buffer no longer keeps the process alive.
      if (this.#listeners.size === 0) this.#native?.pauseEvents();
    };
  }

  #dispatch(record: Buffer): void {
    for (const entry of [...this.#listeners]) entry.fn(record);
  }

  close(): void {
    const native = this.#native;
    if (native === undefined) return;
    this.#native = undefined;
    this.#listeners.clear();
    this.#statsTokens.clear();
    native.close();
  }
}

/** Loads the shim, or re-adopts the one pinned at pinDir, attached to options.cgroupPath. */
export function openShim(options: ShimOptions): Shim {
  if (typeof options !== "object" || options === null) {
    throw new SockgateError("SG_ERR_BAD_VALUE", `openShim options are invalid: expected an object, got ${JSON.stringify(options)}`);
  }
  const cgroupPath = checkCgroup(options.cgroupPath);
  const pinDir = checkPinDir(options.pinDir ?? DEFAULT_PIN_DIR);
  const maxVerdicts = checkMaxVerdicts(options.maxVerdicts);
  const initialConfig = encodeConfig(mergeConfig(DEFAULT_CONFIG, options.config));
  const addon = loadAddon();
  const created = makePinDirs(pinDir);
  let native: NativeShimHandle;
  try {
    native = callNative(() => new addon.ShimHandle(cgroupPath, pinDir, maxVerdicts, initialConfig));
  } catch (err) {
    removeEmptyDirs(created);
    throw err;
  }
  const shim = new OpenShim(native, pinDir);
  // A reused config map keeps the running policy: change only what was asked for.
  if (!native.configCreated() && options.config !== undefined) {
    try {
      shim.setConfig(options.config);
    } catch (err) {
      shim.close();
      throw err;
    }
  }
  return shim;
}
