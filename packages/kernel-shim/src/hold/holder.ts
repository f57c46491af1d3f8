// Hold and ask, kernel side: the flows the shim holds (sg_pending), their queued packets
// (one NFQUEUE reader per network namespace), one question per flow, and the answer put
// back into the kernel. The caller decides; this only holds, asks once and applies.
//
// A flow becomes known from its event record (verdict "held"), from a queued packet whose
// event has not arrived yet (it waits for it, then asks from the pending map alone), or
// from a scan of sg_pending (records lost from a full ring buffer, a restarted daemon).
// Whatever is unsure is dropped, never passed: a packet that maps to no held flow, a
// reader that is gone, a queue that is full.
import { event as eventCodec } from "@sockgate/protocol";
import { nfqueue } from "@sockgate/protocol/codec";
import type { ShimEvent } from "@sockgate/protocol";
import type { NfqPacket } from "@sockgate/protocol/codec";
import { loadAddon } from "../native.js";
import type { FlowKey, PendingFlow, Shim, VerdictKey, VerdictValue } from "../types.js";
import { chainsInPlaceAsync, ensureChains, removeChains } from "./chains.js";
import { NfqueueReader, type ReaderStats } from "./nfqueue-reader.js";
import { tupleOfPacket } from "./packet-tuple.js";
import { readQueueStats, type QueueStats } from "./queue-stats.js";

/** Where a held flow was first seen. */
export type FlowSource = "event" | "packet" | "scan";

export interface HeldFlow {
  key: FlowKey;
  pending: PendingFlow;
  /** The event record, when it arrived (it carries the exe path). */
  event?: ShimEvent;
  source: FlowSource;
  /** Queued packets waiting for the answer. */
  packets: number;
  /** Date.now() when user space first saw it. */
  seenAt: number;
}

export interface FlowDecision {
  verdict: "allow" | "deny";
  /** Echoed in later events (the daemon's rule id). */
  tag?: number;
  /** "flow": this flow only (the kernel's flow verdict); "identity": also this executable
   *  and user to this peer (an exact sg_verdicts entry), until it is withdrawn or expires. */
  cache: "flow" | "identity";
  /** Date.now() milliseconds from which the kernel stops honouring the answer. */
  expiresAt?: number;
}

export interface Resolution {
  /** The sg_verdicts entry written for cache "identity". */
  identityKey?: VerdictKey;
  accepted: number;
  rejected: number;
  dropped: number;
  /** False when the flow had already ended (socket closed, resolved before), or awaits its packet. */
  released: boolean;
  /** Answered before its first packet was queued: the kernel keeps holding the flow until
   *  that packet arrives and gets this answer (then the flow ends). */
  awaitingPacket: boolean;
}

export interface HoldOptions {
  /** Namespaces to hold in; undefined path: this process's own. Default: [{}]. */
  namespaces?: Array<{ netnsPath?: string }>;
  queueNum?: number;
  rejectMark?: number;
  chainPrefix?: string;
  /** How long a packet that arrived before its event waits for it. Default 100 ms. */
  eventWaitMs?: number;
  /** sg_pending is scanned this often for flows no event announced. Default 1000 ms. */
  scanMs?: number;
  /** The chains are checked (and restored) this often, off the event loop. Default 30000 ms; 0: never. */
  chainCheckMs?: number;
  queueMaxLen?: number;
  onProblem?: (problem: string) => void;
}

export interface PacketCounts {
  received: number;
  accepted: number;
  rejected: number;
  dropped: number;
  /** Dropped: the tuple maps to no socket cookie (sg_queued lost it). */
  unmapped: number;
  /** Dropped: the socket has no held flow to that peer and no flow verdict. */
  noFlow: number;
}

export interface HoldStatus {
  flows: number;
  packets: PacketCounts;
  namespaces: Array<{ netnsPath?: string; netnsCookie: bigint; chains: boolean; reader: ReaderStats; queue?: QueueStats }>;
}

export interface Hold {
  /** Called once per held flow. Returns the unsubscribe function. */
  onFlow(listener: (flow: HeldFlow) => void): () => void;
  /** Applies the answer to a held flow (known here or only in the kernel). */
  resolve(key: FlowKey, decision: FlowDecision): Resolution;
  flows(): HeldFlow[];
  addNamespace(netnsPath?: string): Promise<void>;
  /** Stops holding there: new calls with no verdict get deny (no_hold_in_netns). */
  removeNamespace(netnsPath?: string, opts?: { removeChains?: boolean }): void;
  status(): HoldStatus;
  /** Stops reading. The namespaces stay registered and the chains stay, so held packets are
   *  dropped until a reader returns (fail closed); removeChains also deregisters them. */
  close(opts?: { removeChains?: boolean }): void;
}

export const DEFAULT_QUEUE_NUM = 7351;
/** 'SG' and 1: the mark a denied TCP packet carries to sockgate's REJECT rule. */
export const DEFAULT_REJECT_MARK = 0x53470001;
const DECIDED_KEEP_MS = 5000;
const PRUNE_EVERY_MS = 200;

const flowId = (k: FlowKey): string => `${k.cookie}/${k.addr}/${k.port}/${k.proto}`;

interface Tracked extends HeldFlow {
  ids: Array<{ id: number; reader: NfqueueReader; proto: FlowKey["proto"] }>;
  emitted: boolean;
  timer?: NodeJS.Timeout;
}

interface Decided {
  decision: FlowDecision;
  at: number;
  /** Answered before its first packet reached the queue: the flow stays held in the kernel
   *  until that packet is here and verdicted, so no packet of it can slip past unanswered
   *  (a deny that beat its SYN would otherwise let the SYN out). */
  awaiting?: FlowKey;
}

interface Space {
  netnsPath?: string;
  cookie: bigint;
  reader: NfqueueReader;
  /** Result of the last chain check (true right after they were written). */
  chains: boolean;
}

class OpenHold implements Hold {
  #listeners = new Set<(f: HeldFlow) => void>();
  #flows = new Map<string, Tracked>();
  #decided = new Map<string, Decided>();
  #spaces: Space[] = [];
  #timers: NodeJS.Timeout[] = [];
  #offEvents: () => void;
  #closed = false;
  #counts: PacketCounts = { received: 0, accepted: 0, rejected: 0, dropped: 0, unmapped: 0, noFlow: 0 };
  readonly queueNum: number;
  readonly rejectMark: number;

  constructor(
    private readonly shim: Shim,
    private readonly o: HoldOptions,
  ) {
    this.queueNum = o.queueNum ?? DEFAULT_QUEUE_NUM;
    this.rejectMark = o.rejectMark ?? DEFAULT_REJECT_MARK;
    this.#offEvents = shim.onEvent((record) => this.#onRecord(record));
    this.#timers.push(setInterval(() => this.#scan(), o.scanMs ?? 1000));
    const check = o.chainCheckMs ?? 30_000;
    if (check > 0) this.#timers.push(setInterval(() => void this.#checkChains(), check));
    for (const t of this.#timers) t.unref();
  }

  #problem(text: string): void {
    this.o.onProblem?.(text);
  }

  onFlow(listener: (flow: HeldFlow) => void): () => void {
    this.#listeners.add(listener);
    // flows found before anyone listened (a restarted daemon's first scan) are asked now
    for (const t of [...this.#flows.values()]) if (!t.emitted && t.timer === undefined) this.#emit(t);
    return () => void this.#listeners.delete(listener);
  }

  flows(): HeldFlow[] {
    return [...this.#flows.values()].map(publicFlow);
  }

  async addNamespace(netnsPath?: string): Promise<void> {
    if (this.#spaces.some((s) => s.netnsPath === netnsPath)) return;
    const cookie = loadAddon().netnsCookie(netnsPath ?? "");
    ensureChains(this.#chainOptions(netnsPath));
    // Packets still queued from before (a restarted daemon) arrive as soon as the queue is
    // bound, before open() returns: they wait here for the reader that verdicts them.
    const opened: { reader?: NfqueueReader } = {};
    const early: NfqPacket[] = [];
    const reader = await NfqueueReader.open({
      netnsPath,
      queueNum: this.queueNum,
      queueMaxLen: this.o.queueMaxLen,
      onPacket: (p) => (opened.reader === undefined ? void early.push(p) : this.#onPacket(p, opened.reader, cookie)),
      onProblem: (t) => this.#problem(`${netnsPath ?? "own namespace"}: ${t}`),
    });
    opened.reader = reader;
    for (const p of early.splice(0)) this.#onPacket(p, reader, cookie);
    this.#spaces.push({ netnsPath, cookie, reader, chains: true });
    // Only now, with chains and a bound reader, may the kernel hold here.
    this.shim.setHoldNamespace(cookie, true);
  }

  removeNamespace(netnsPath?: string, opts: { removeChains?: boolean } = {}): void {
    const space = this.#spaces.find((s) => s.netnsPath === netnsPath);
    if (!space) return;
    this.shim.setHoldNamespace(space.cookie, false);
    if (opts.removeChains !== false) this.#unhold(space);
    this.#spaces.splice(this.#spaces.indexOf(space), 1);
    space.reader.close();
  }

  /**
   * Without its chains a namespace's held flows would be let through at their next packet
   * (a retransmitted SYN, a connected UDP send): they are denied, and their sockets ended,
   * before the chains go.
   */
  #unhold(space: Space): void {
    const held = this.shim.pendingFlows().filter((p) => p.netnsCookie === space.cookie);
    for (const p of held) this.resolve(p.key, { verdict: "deny", cache: "flow" });
    const cookies = held.filter((p) => p.op !== "accept").map((p) => p.key.cookie);
    if (cookies.length > 0) this.shim.endSockets({ cookies }, [space.netnsPath ?? ""]);
    removeChains({ netnsPath: space.netnsPath, prefix: this.o.chainPrefix });
  }

  #chainOptions(netnsPath: string | undefined): Parameters<typeof ensureChains>[0] {
    return { netnsPath, queueNum: this.queueNum, holdMatchPin: this.shim.holdMatchPin, rejectMark: this.rejectMark, prefix: this.o.chainPrefix };
  }

  /** Runs iptables off the event loop: held flows keep being answered meanwhile. */
  async #checkChains(): Promise<void> {
    for (const s of [...this.#spaces]) {
      s.chains = await chainsInPlaceAsync({ netnsPath: s.netnsPath, prefix: this.o.chainPrefix });
      if (s.chains || this.#closed || !this.#spaces.includes(s)) continue;
      this.#problem(`${s.netnsPath ?? "own namespace"}: sockgate's iptables chains were missing or not first: restored`);
      try {
        ensureChains(this.#chainOptions(s.netnsPath));
        s.chains = true;
      } catch (err) {
        this.#problem(`restoring chains failed: ${(err as Error).message}`);
      }
    }
  }

  #onRecord(record: Buffer): void {
    if (eventCodec.verdictOf(record) !== "held") return; // most records are not about a hold: skip the full decode
    let ev: ShimEvent;
    try {
      ev = eventCodec.decode(record);
    } catch {
      return; // the daemon reports undecodable records
    }
    if (ev.verdict !== "held") return;
    const key: FlowKey = { cookie: ev.cookie, addr: ev.remoteAddr, port: ev.remotePort, proto: ev.proto };
    const id = flowId(key);
    const known = this.#flows.get(id);
    if (known) {
      known.event ??= ev;
      if (!known.emitted) this.#emit(known);
      return;
    }
    const pending = this.shim.getPending(key);
    if (pending === undefined) return; // decided or released meanwhile
    this.#track(key, pending, "event", ev);
  }

  #track(key: FlowKey, pending: PendingFlow, source: FlowSource, ev?: ShimEvent): Tracked {
    const t: Tracked = { key, pending, event: ev, source, packets: 0, seenAt: Date.now(), ids: [], emitted: false };
    this.#flows.set(flowId(key), t);
    if (ev !== undefined || source === "scan") this.#emit(t);
    else {
      // the packet came first: give its event a moment, then ask from the map alone
      t.timer = setTimeout(() => this.#emit(t), this.o.eventWaitMs ?? 100);
      t.timer.unref();
    }
    return t;
  }

  #emit(t: Tracked): void {
    if (t.emitted || !this.#flows.has(flowId(t.key))) return;
    if (t.timer) clearTimeout(t.timer);
    t.timer = undefined;
    if (this.#listeners.size === 0) return; // kept until a listener comes: never asked of no one
    t.emitted = true;
    const flow = publicFlow(t);
    for (const l of [...this.#listeners]) l(flow);
  }

  #onPacket(p: NfqPacket, reader: NfqueueReader, netns: bigint): void {
    this.#counts.received++;
    const tuple = p.payload ? tupleOfPacket(p.payload) : undefined;
    const cookie = tuple ? this.shim.queuedCookie(tuple) : undefined;
    if (tuple === undefined || cookie === undefined) {
      this.#counts.unmapped++;
      this.#verdict(reader, p.id, "drop");
      return;
    }
    // raw sockets key their flows "raw" though their packets say icmp
    const candidates: FlowKey[] = [tuple.proto, "raw" as const].map((proto) => ({ cookie, addr: tuple.daddr, port: tuple.dport, proto }));
    for (const key of candidates) {
      const id = flowId(key);
      const known = this.#flows.get(id);
      if (known) {
        known.ids.push({ id: p.id, reader, proto: key.proto });
        known.packets++;
        return;
      }
      const decided = this.#decided.get(id);
      if (decided) {
        this.#verdict(reader, p.id, this.#packetVerdict(decided.decision, key.proto));
        if (decided.awaiting) {
          this.shim.releasePending(decided.awaiting);
          decided.awaiting = undefined;
        }
        return;
      }
      const pending = this.shim.getPending(key);
      if (pending !== undefined && pending.netnsCookie === netns) {
        const t = this.#track(key, pending, "packet");
        t.ids.push({ id: p.id, reader, proto: key.proto });
        t.packets++;
        return;
      }
    }
    // Not held (any more): the kernel's flow verdict says what this packet may do, else drop.
    const flow = this.shim.getFlowVerdict(candidates[0]!);
    if (flow !== undefined && (flow.expiresAt === undefined || flow.expiresAt > Date.now())) {
      this.#verdict(reader, p.id, this.#packetVerdict({ verdict: flow.verdict, cache: "flow" }, tuple.proto));
      return;
    }
    this.#counts.noFlow++;
    this.#verdict(reader, p.id, "drop");
  }

  #packetVerdict(d: FlowDecision, proto: FlowKey["proto"]): "accept" | "reject" | "drop" {
    if (d.verdict === "allow") return "accept";
    return proto === "tcp" ? "reject" : "drop";
  }

  #verdict(reader: NfqueueReader, id: number, what: "accept" | "reject" | "drop"): void {
    if (what === "accept") {
      this.#counts.accepted++;
      reader.verdict(id, nfqueue.NF_ACCEPT);
    } else if (what === "reject") {
      // accepted with the mark: sockgate's filter OUTPUT rule answers it with a TCP reset
      this.#counts.rejected++;
      reader.verdict(id, nfqueue.NF_ACCEPT, this.rejectMark);
    } else {
      this.#counts.dropped++;
      reader.verdict(id, nfqueue.NF_DROP);
    }
  }

  resolve(key: FlowKey, decision: FlowDecision): Resolution {
    const id = flowId(key);
    const t = this.#flows.get(id);
    const pending = t?.pending ?? this.shim.getPending(key);
    const value: VerdictValue = { verdict: decision.verdict, tag: decision.tag, ...(decision.expiresAt === undefined ? {} : { expiresAt: decision.expiresAt }) };
    const out: Resolution = { accepted: 0, rejected: 0, dropped: 0, released: false, awaitingPacket: false };
    const allow = decision.verdict === "allow";
    // An allow whose packet has not been read yet: its packet is usually on the queue socket
    // already, read now, so the flow is released with its answer in one call (below) rather
    // than kept held for a packet that is here.
    let drained = false;
    if (allow && t !== undefined && t.ids.length === 0 && pending !== undefined && pending.op !== "accept") {
      for (const s of this.#spaces) s.reader.drain();
      drained = true;
    }
    const awaiting = pending !== undefined && pending.op !== "accept" && (t === undefined || t.ids.length === 0);
    // The answer goes into the kernel before the flow is released, so no call or packet of
    // it ever finds neither. An allow released now writes it in the release's own call.
    const withRelease = allow && !awaiting;
    if (!withRelease) this.shim.setFlowVerdict(key, value);
    if (decision.cache === "identity" && pending !== undefined) {
      out.identityKey = identityKeyOf(pending);
      this.shim.setVerdict(out.identityKey, value);
    }
    // A connected UDP (or ping) socket sends without running any hook: a denied one is ended,
    // or its later send() calls would go out. Before its flow is released: until then its
    // packets are still queued, so no send() of another thread slips out in between. (A
    // denied TCP connect gets its reset.)
    if (decision.verdict === "deny" && pending?.op === "connect" && key.proto !== "tcp") {
      const space = this.#spaces.find((s) => s.cookie === pending.netnsCookie);
      this.shim.endSockets({ cookies: [key.cookie] }, [space?.netnsPath ?? ""]);
    }
    // A deny's queued packets are refused before its flow is released: a packet of the
    // socket made in between (a SYN retransmitted, another thread's send) is queued and
    // refused too, never let out unasked. An allow's go after it: a packet made in between
    // is allowed anyway and need not wait in the queue.
    const releaseAfterPackets = !allow;
    if (awaiting) out.awaitingPacket = true;
    else if (withRelease) out.released = this.shim.releasePending(key, value);
    this.#decided.set(id, { decision, at: Date.now(), ...(awaiting ? { awaiting: key } : {}) });
    if (t) {
      this.#flows.delete(id);
      if (t.timer) clearTimeout(t.timer);
      for (const q of t.ids) {
        const v = this.#packetVerdict(decision, q.proto);
        this.#verdict(q.reader, q.id, v);
        out[v === "accept" ? "accepted" : v === "reject" ? "rejected" : "dropped"]++;
      }
    }
    if (!awaiting && releaseAfterPackets) out.released = this.shim.releasePending(key);
    // Not at every answer: the map's deleted slots sit at its front until it is rehashed, and
    // walking past them each time cost more than the answer. The scan prunes once a second too.
    this.#pruneSoon();
    // A flow answered before its first packet: that packet may be on the socket already, and
    // gets its verdict now rather than at the next turn of the loop. (Packets of other flows,
    // or later ones of this flow, are read when the socket wakes the loop, as always.)
    if (awaiting && !drained) for (const s of this.#spaces) s.reader.drain();
    return out;
  }

  #prunedAt = 0;

  #pruneSoon(): void {
    if (Date.now() - this.#prunedAt >= PRUNE_EVERY_MS) this.#pruneDecided();
  }

  #pruneDecided(): void {
    this.#prunedAt = Date.now();
    const old = this.#prunedAt - DECIDED_KEEP_MS;
    for (const [id, d] of this.#decided) {
      if (d.at >= old) break;
      // its packet never came (the call failed before sending): end the flow now
      if (d.awaiting) this.shim.releasePending(d.awaiting);
      this.#decided.delete(id);
    }
  }

  #scan(): void {
    if (this.#closed) return;
    const now = Date.now();
    let inKernel: PendingFlow[];
    try {
      inKernel = this.shim.pendingFlows();
    } catch (err) {
      this.#problem(`scanning held flows failed: ${(err as Error).message}`);
      return;
    }
    const alive = new Set<string>();
    for (const p of inKernel) {
      const id = flowId(p.key);
      alive.add(id);
      if (!this.#flows.has(id) && !this.#decided.has(id)) this.#track(p.key, p, "scan");
    }
    // Flows that ended in the kernel (their socket closed): forget them, drop their packets.
    for (const [id, t] of this.#flows) {
      if (alive.has(id) || now - t.seenAt < 1000) continue;
      this.#flows.delete(id);
      for (const q of t.ids) this.#verdict(q.reader, q.id, "drop");
    }
    this.#pruneDecided();
  }

  status(): HoldStatus {
    return {
      flows: this.#flows.size,
      packets: { ...this.#counts },
      namespaces: this.#spaces.map((s) => ({
        netnsPath: s.netnsPath,
        netnsCookie: s.cookie,
        chains: s.chains,
        reader: { ...s.reader.stats },
        queue: readQueueStats(s.netnsPath, this.queueNum),
      })),
    };
  }

  close(opts: { removeChains?: boolean } = {}): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#timers) clearInterval(t);
    this.#offEvents();
    for (const t of this.#flows.values()) if (t.timer) clearTimeout(t.timer);
    for (const s of this.#spaces) {
      if (opts.removeChains) {
        this.shim.setHoldNamespace(s.cookie, false);
        this.#unhold(s);
      }
      s.reader.close();
    }
    this.#spaces = [];
  }
}

function publicFlow(t: Tracked): HeldFlow {
  const { key, pending, event, source, packets, seenAt } = t;
  return { key, pending, event, source, packets, seenAt };
}

/** The exact sg_verdicts key of a held flow: this executable and user, to this peer. */
export function identityKeyOf(p: PendingFlow): VerdictKey {
  return {
    exeIno: p.exeIno,
    exeDev: p.exeDev,
    uid: p.uid,
    op: p.op,
    proto: p.key.proto,
    addr: p.key.addr,
    // the accept key is the peer address plus the local port
    ...(p.op === "accept" ? { port: p.localPort } : p.key.port > 0 ? { port: p.key.port } : {}),
  };
}

/** Starts holding: chains and a queue reader in each namespace, then the kernel may hold there. */
export async function openHold(shim: Shim, options: HoldOptions = {}): Promise<Hold> {
  const hold = new OpenHold(shim, options);
  try {
    for (const ns of options.namespaces ?? [{}]) await hold.addNamespace(ns.netnsPath);
  } catch (err) {
    hold.close();
    throw err;
  }
  return hold;
}
