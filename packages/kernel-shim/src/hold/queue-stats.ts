// nfnetlink_queue's own counters for one queue, from /proc/net/netfilter/nfnetlink_queue
// as seen inside the queue's network namespace (the file is per namespace).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

export interface QueueStats {
  /** Packets waiting in the queue now. */
  queued: number;
  /** Dropped by the kernel because the queue was full. */
  queueDropped: number;
  /** Dropped because the reader's socket could not take them. */
  userDropped: number;
  /** The last packet id given out: packets ever queued. */
  idSequence: number;
}

const PROC = "/proc/net/netfilter/nfnetlink_queue";

/** One line: queue_number peer_portid queue_total copy_mode copy_range queue_dropped user_dropped id_sequence 1 */
export function parseQueueStats(text: string, queueNum: number): QueueStats | undefined {
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/).map(Number);
    if (f.length >= 8 && f[0] === queueNum) return { queued: f[2]!, queueDropped: f[5]!, userDropped: f[6]!, idSequence: f[7]! };
  }
  return undefined;
}

export function readQueueStats(netnsPath: string | undefined, queueNum: number): QueueStats | undefined {
  try {
    const text =
      netnsPath === undefined
        ? readFileSync(PROC, "utf8")
        : execFileSync("nsenter", [`--net=${netnsPath}`, "--", "cat", PROC], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    return parseQueueStats(text, queueNum);
  } catch {
    return undefined; // no queue bound there (the file is absent until nfnetlink_queue loads)
  }
}
