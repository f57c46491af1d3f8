// Wall-clock deadlines (Date.now() milliseconds) to and from the kernel's boot clock
// (CLOCK_BOOTTIME, what bpf_ktime_get_boot_ns() reads). The kernel enforces the boot-clock
// value, so changing the wall clock after a write does not move a deadline.
import type { NativeAddon } from "./native.js";

export interface BootClock {
  bootNsAt(epochMs: number): bigint;
  epochMsAt(bootNs: bigint): number;
}

export function bootClock(addon: Pick<NativeAddon, "clocks">): BootClock {
  const offsetNs = (): bigint => {
    const [real, boot] = addon.clocks();
    return real - boot; // wall clock = boot clock + offset
  };
  return {
    bootNsAt(epochMs) {
      if (typeof epochMs !== "number" || !Number.isFinite(epochMs)) {
        throw new TypeError(`expiresAt must be a finite number of milliseconds since the epoch, got ${String(epochMs)}`);
      }
      const ns = BigInt(Math.round(epochMs * 1e6)) - offsetNs();
      return ns > 0n ? ns : 1n; // already past: 1 ns after boot, still a deadline
    },
    epochMsAt(bootNs) {
      return Number((bootNs + offsetNs()) / 1_000_000n);
    },
  };
}
