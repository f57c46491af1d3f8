// One NFQUEUE reader: a NETLINK_NETFILTER socket opened inside a network namespace, bound
// to one queue number there. The addon only moves datagrams; every message is built and
// read by the nfqueue codec of @sockgate/protocol. Fail-open is explicitly switched off.
import { SockgateError } from "@sockgate/protocol";
import { nfqueue } from "@sockgate/protocol/codec";
import type { NfqMessage, NfqPacket } from "@sockgate/protocol/codec";
import { loadAddon, type NativeNetlinkSocket } from "../native.js";




export interface ReaderOptions {
  netnsPath?: string;
  queueNum: number;
  /** Bytes of each packet copied to user space: enough for the IP and transport headers. */
  copyRange?: number;
  /** Packets the kernel queues before it drops (never passes) more. */
  queueMaxLen?: number;
  rcvbufBytes?: number;
  onPacket(packet: NfqPacket): void;
  /** A kernel error answering one of our messages, or a socket overrun. */
  onProblem(problem: string): void;
}

export interface ReaderStats {
  packets: number;
  verdicts: number;
  /** Times the socket overran (ENOBUFS): the kernel dropped messages meant for us. */
  overruns: number;
  /** Error replies from the kernel to verdicts. */
  errors: number;
}

export class NfqueueReader {
  readonly stats: ReaderStats = { packets: 0, verdicts: 0, overruns: 0, errors: 0 };
  #sock: NativeNetlinkSocket;
  #seq = 1;
  #acks = new Map<number, { resolve: () => void; reject: (e: Error) => void; what: string }>();
  #closed = false;
  readonly queueNum: number;
  readonly netnsPath: string | undefined;

  private constructor(private readonly o: ReaderOptions) {
    const addon = loadAddon();
    this.queueNum = o.queueNum;
    this.netnsPath = o.netnsPath;
    try {
      this.#sock = new addon.NetlinkSocket(o.netnsPath ?? "", o.rcvbufBytes ?? 8 << 20);
    } catch (err) {
      throw new SockgateError("SG_ERR_HOLD_QUEUE", `opening the NFQUEUE socket in ${o.netnsPath ?? "this namespace"} failed: ${(err as Error).message}`, { cause: err });
    }
    this.#sock.start(
      (d) => this.#onDatagram(d),
      (n) => {
        this.stats.overruns += n;
        o.onProblem(`the NFQUEUE socket overran ${n} time(s): the kernel dropped messages (their packets are dropped, never passed)`);
      },
    );
  }

  /** Opens the socket and binds the queue; rejects when another reader holds it. */
  static async open(o: ReaderOptions): Promise<NfqueueReader> {
    const r = new NfqueueReader(o);
    try {
      await r.#request({ kind: "config", seq: 0, queue: o.queueNum, command: { command: "bind", pf: 0 } }, `bind queue ${o.queueNum}`);
      await r.#request(
        {
          kind: "config",
          seq: 0,
          queue: o.queueNum,
          params: { copyRange: o.copyRange ?? 256, copyMode: "packet" },
          queueMaxLen: o.queueMaxLen ?? 4096,
          // fail-open off: when the queue is full its packets are dropped, never passed
          flags: { mask: nfqueue.CFG_F_FAIL_OPEN | nfqueue.CFG_F_GSO | nfqueue.CFG_F_UID_GID, value: nfqueue.CFG_F_GSO | nfqueue.CFG_F_UID_GID },
        },
        `configure queue ${o.queueNum}`,
      );
    } catch (err) {
      r.close();
      throw err;
    }
    return r;
  }

  #send(m: NfqMessage): number {
    const seq = this.#seq++;
    this.#sock.send(nfqueue.encode({ ...m, seq }));
    return seq;
  }

  #request(m: NfqMessage, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const seq = this.#send({ ...m, nlFlags: nfqueue.NLM_F_REQUEST | nfqueue.NLM_F_ACK });
      this.#acks.set(seq, { resolve, reject, what });
    });
  }

  #onDatagram(d: Buffer): void {
    let messages: NfqMessage[];
    try {
      messages = nfqueue.decodeAll(d);
    } catch (err) {
      this.o.onProblem(`undecodable nfnetlink datagram (${d.length} bytes): ${(err as Error).message}`);
      return;
    }
    for (const m of messages) {
      if (m.kind === "packet") {
        this.stats.packets++;
        this.o.onPacket(m);
      } else if (m.kind === "error") {
        const ack = this.#acks.get(m.request.seq);
        if (ack) {
          this.#acks.delete(m.request.seq);
          if (m.error === 0) ack.resolve();
          else ack.reject(new SockgateError("SG_ERR_HOLD_QUEUE", `${ack.what} in ${this.netnsPath ?? "this namespace"} failed: errno ${-m.error}${m.error === -16 ? " (EBUSY: another reader is bound to this queue)" : ""}`));
        } else if (m.error !== 0) {
          this.stats.errors++;
          this.o.onProblem(`the kernel refused message ${m.request.seq} (type 0x${m.request.type.toString(16)}): errno ${-m.error}`);
        }
      }
    }
  }

  /** NF_ACCEPT, NF_DROP...; mark sets the packet's mark (REJECT_MARK for a TCP deny). */
  verdict(id: number, verdict: number, mark?: number): void {
    if (this.#closed) return;
    this.stats.verdicts++;
    this.#send({ kind: "verdict", seq: 0, queue: this.queueNum, verdict, id, ...(mark === undefined ? {} : { mark }) });
  }

  /** Delivers the packets already waiting on the socket now, not at the next turn of the loop. */
  drain(): void {
    if (!this.#closed) this.#sock.drain();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const ack of this.#acks.values()) ack.reject(new SockgateError("SG_ERR_HOLD_QUEUE", `${ack.what}: the reader was closed`));
    this.#acks.clear();
    this.#sock.close();
  }
}


