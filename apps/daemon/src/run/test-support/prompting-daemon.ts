// The world most `sockgate run` test files share: a real daemon (DaemonFixture) and alice's
// UI, a client of the API subscribed to prompts. Each prompt is taken once, by the first
// wait that matches it, so a file can wait for "the next prompt for port P" again and again.

import { afterAll, beforeAll, expect } from "vitest";
import { assertNoLeftovers } from "@sockgate/kernel-shim/test-harness";
import type { SubscriptionEvent } from "@sockgate/protocol/client";
import type { ClientProcess, EventTap } from "../../api/test-support/client-process.js";
import { DaemonFixture } from "../../test-support/daemon-fixture.js";

export type PromptEvent = Extract<SubscriptionEvent, { type: "prompt" }>;

export class PromptingDaemon {
  readonly f = new DaemonFixture();
  ui!: ClientProcess;
  tap!: EventTap;
  readonly #taken = new Set<string>();

  /** Registers the file's beforeAll (the daemon with peers on `ports`, alice's UI, then `ready`) and afterAll. */
  constructor(ports: number[], ready?: (w: PromptingDaemon) => Promise<void>) {
    beforeAll(async () => {
      await this.f.setup(ports);
      this.ui = await this.f.client(this.f.alice);
      this.tap = await this.ui.subscribe(["prompts"]);
      await ready?.(this);
    }, 120_000);
    afterAll(async () => {
      await this.f.close();
      assertNoLeftovers();
    }, 60_000);
  }

  /** The next prompt `match` accepts that no earlier wait took. */
  async prompt(match: (p: PromptEvent["prompt"]) => boolean, timeoutMs = 10_000): Promise<PromptEvent> {
    const e = (await this.tap.next((x) => x.type === "prompt" && match(x.prompt) && !this.#taken.has(x.prompt.id), timeoutMs)) as PromptEvent;
    this.#taken.add(e.prompt.id);
    return e;
  }

  /** Alice answers `e`; the daemon takes the answer. */
  async answer(e: PromptEvent, answer: object): Promise<void> {
    const r = await this.ui.call("AnswerPrompt", { promptId: e.prompt.id, answer });
    expect(r.error, JSON.stringify(r.error)).toBeUndefined();
  }
}
