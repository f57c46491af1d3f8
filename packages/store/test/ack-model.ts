import { isDeepStrictEqual } from "node:util";
import { ruleFor } from "./durability-rule.js";
import type { TestRule } from "./test-rule.js";

// What the parent knows from the writer's stdout: the state of every id after all
// acknowledged ops, plus the one op that may have been in flight when the kill landed.

type State = number | "deleted";
interface Op {
  id: string;
  state: State;
}

export class AckModel {
  readonly acked = new Map<string, State>();
  inFlight: Op | undefined;
  ackCount = 0;
  /** The writer printed "opening": openStore is being called. */
  opening = false;
  /** The writer printed "open": the store is open and migrated. */
  opened = false;
  private partial = "";

  feed(chunk: string): void {
    const lines = (this.partial + chunk).split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) {
      const [word, verb, id, version] = line.split(" ");
      if (word === "opening") {
        this.opening = true;
      } else if (word === "open") {
        this.opened = true;
      } else if (word === "begin" && id !== undefined) {
        this.inFlight = { id, state: verb === "del" ? "deleted" : Number(version) };
      } else if (word === "ok" && this.inFlight) {
        this.acked.set(this.inFlight.id, this.inFlight.state);
        this.inFlight = undefined;
        this.ackCount++;
      }
    }
  }

  /**
   * Once the writer is dead and the file checked, its in-flight op either happened or not:
   * record which, so the next round starts from what is on disk.
   */
  settle(get: (id: string) => TestRule | undefined): void {
    const flight = this.inFlight;
    this.inFlight = undefined;
    if (!flight) return;
    const got = get(flight.id);
    if (got !== undefined) this.acked.set(flight.id, got.version as number);
    else if (this.acked.has(flight.id)) this.acked.set(flight.id, "deleted");
  }

  /** Everything on disk that contradicts an acknowledgement; empty when the store kept its word. */
  check(get: (id: string) => TestRule | undefined, storedIds: string[]): string[] {
    const problems: string[] = [];
    const matches = (got: TestRule | undefined, id: string, s: State) =>
      s === "deleted" ? got === undefined : isDeepStrictEqual(got, ruleFor(id, s));
    for (const [id, state] of this.acked) {
      const got = get(id);
      const alt = this.inFlight?.id === id ? this.inFlight.state : undefined;
      if (matches(got, id, state) || (alt !== undefined && matches(got, id, alt))) continue;
      problems.push(
        got === undefined
          ? `${id}: acknowledged as ${state}, missing`
          : `${id}: acknowledged as ${state}${alt === undefined ? "" : ` (or ${alt})`}, found version ${String(got.version)}${state !== "deleted" && got.version === state ? " with different content" : ""}`,
      );
    }
    const flight = this.inFlight;
    if (flight && !this.acked.has(flight.id)) {
      const got = get(flight.id);
      if (got !== undefined && !matches(got, flight.id, flight.state)) problems.push(`${flight.id}: unacknowledged write is torn`);
    }
    for (const id of storedIds) {
      if (!this.acked.has(id) && flight?.id !== id) problems.push(`${id}: on disk but never written`);
    }
    return problems;
  }
}
