// Takes API calls in turns by user, so that one user cannot crowd out the others. Every
// message read waits in its connection's backlog; each turn (one macrotask) handles one
// message from each user that has one ready, from their connections in rotation. Limits per
// connection alone let one user open 63 connections that each sent 60 ListRules and never
// read: the daemon computed all of them in a row (seconds of its one thread, everyone's
// replies behind them) and held every reply (310 MB). Here a connection whose client leaves
// replies unread takes no turns until they drain, and the unread replies of all of a user's
// connections together are bounded (the one that passes the bound is cut off).

export interface TurnTaker {
  readonly uid: number;
  /** Bytes written to the connection that its client has not read yet. */
  readonly unread: number;
  /** Handles one waiting message; returns whether another is ready for a later turn. */
  step(): boolean;
}

export class UserTurns {
  private readonly members = new Map<number, Set<TurnTaker>>();
  /** Per user, the connections with a message ready, in the order they get turns. */
  private readonly ready = new Map<number, Set<TurnTaker>>();
  private queued = false;

  constructor(readonly maxUnreadPerUser: number) {}

  join(m: TurnTaker): void {
    let set = this.members.get(m.uid);
    if (set === undefined) this.members.set(m.uid, (set = new Set()));
    set.add(m);
  }

  leave(m: TurnTaker): void {
    const set = this.members.get(m.uid);
    set?.delete(m);
    if (set?.size === 0) this.members.delete(m.uid);
    const r = this.ready.get(m.uid);
    r?.delete(m);
    if (r?.size === 0) this.ready.delete(m.uid);
  }

  /** `m` has a message ready: it gets a turn soon. */
  want(m: TurnTaker): void {
    let r = this.ready.get(m.uid);
    if (r === undefined) this.ready.set(m.uid, (r = new Set()));
    r.add(m);
    this.queue();
  }

  /** Unread bytes over all of the user's connections. */
  unreadOf(uid: number): number {
    let n = 0;
    for (const m of this.members.get(uid) ?? []) n += m.unread;
    return n;
  }

  private queue(): void {
    if (this.queued) return;
    this.queued = true;
    // A macrotask, not a microtask: input from other clients is read between turns.
    setImmediate(() => this.turn());
  }

  private turn(): void {
    this.queued = false;
    for (const [uid, r] of [...this.ready]) {
      const next = r.values().next().value!;
      r.delete(next);
      if (next.step()) r.add(next); // to the back: the user's next turn goes to their next connection
      if (r.size === 0) this.ready.delete(uid);
    }
    if (this.ready.size > 0) this.queue();
  }
}
