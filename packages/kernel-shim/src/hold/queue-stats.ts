// nfnetlink_queue's own counters for one queue, from /proc/net/netfilter/nfnetlink_queue
// as seen inside the queue's network namespace (the file is per namespace).
import { loadAddon } from "../native.js";

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


/** One line: queue_number peer_portid queue_total copy_mode copy_range queue_dropped user_dropped id_sequence 1 */
export function parseQueueStats(text: string, queueNum: number): QueueStats | undefined {
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/).map(Number);
    if (f.length >= 8 && f[0] === queueNum) return { queued: f[2]!, queueDropped: f[5]!, userDropped: f[6]!, idSequence: f[7]! };
  }
  return undefined;
}

/** Read in the namespace itself (no process is spawned): cheap enough to poll every second. */
export function readQueueStats(netnsPath: string | undefined, queueNum: number): QueueStats | undefined {
  // absent until nfnetlink_queue is loaded, or the namespace is gone
  const text = loadAddon().readInNetns(netnsPath ?? "", "netfilter/nfnetlink_queue");
  return text === null ? undefined : parseQueueStats(text, queueNum);
}
