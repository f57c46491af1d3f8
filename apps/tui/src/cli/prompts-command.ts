// sockgate prompts / sockgate answer: the prompts waiting for this user, and answering
// one without the TUI (as the TUI does, from outside the asking program's process tree).

import type { Command } from "commander";
import type { ApiPrompt, PromptOutcome } from "@sockgate/protocol/client";
import { appName } from "../format/app.js";
import { destinationShort } from "../format/destination.js";
import { ruleSummary } from "../format/rule-summary.js";
import { countdown } from "../format/time.js";
import { action } from "./action.js";
import { parseAnswer } from "./answer-args.js";
import { withClient } from "./connect.js";
import { table } from "./output.js";

function promptRow(p: ApiPrompt, now: number): string[] {
  const dest = p.kind === "many" ? `${p.destinations.length} destinations` : destinationShort(p.destination.host, p.destination.address, p.destination.port);
  return [p.id, appName(p.app), String(p.app.pid), `${p.operation}/${p.protocol}`, dest, String(p.requests), `${countdown(p.deadline - now)} → ${p.timeoutAction}`];
}

export function promptsText(prompts: ApiPrompt[], now = Date.now()): string {
  if (prompts.length === 0) return "no prompts waiting";
  return table(["ID", "PROGRAM", "PID", "OP", "DESTINATION", "CALLS", "TIMES OUT"], prompts.map((p) => promptRow(p, now)));
}

export function outcomeText(o: PromptOutcome): string {
  const rules = o.rules.length === 0 ? "no rule kept" : o.rules.map((r) => `rule ${r.id}: ${ruleSummary(r)}`).join("\n");
  return `${o.action} (${o.reason})\n${rules}`;
}

export function registerPrompts(program: Command): void {
  program
    .command("prompts")
    .description("the prompts waiting for your answer, oldest first")
    .option("-f, --follow", "then print each new prompt and each settled one as it happens (JSON lines with --json)")
    .action(
      action(async (g, out, opts: { follow?: boolean }) => {
        await withClient(g, async (c) => {
          if (!opts.follow) {
            const prompts = await c.listPrompts();
            out.result(prompts, () => promptsText(prompts));
            return;
          }
          for await (const e of c.subscribe(["prompts"])) {
            if (e.type === "prompt") out.event(e, () => promptsText([e.prompt]).split("\n")[1]!);
            else if (e.type === "prompt-settled") out.event(e, () => `settled ${e.promptId}: ${e.outcome.action} (${e.outcome.reason})`);
            else if (e.type === "ended") break;
          }
        });
      }),
    );

  program
    .command("answer")
    .description("answer a prompt: sockgate answer ID allow|deny [host-port|host|domain|any] [once|process|15m|reboot|forever]")
    .argument("<id>", "the prompt's id (sockgate prompts lists them)")
    .argument("<action>", "allow or deny")
    .argument("[words...]", "a scope and/or a duration, in any order (default: host-port once)")
    .option("--scope <scope>", "host-port (this host and port), host, domain (its registrable domain) or any")
    .option("--duration <duration>", "once, process (until it quits), 15m (minutes), reboot or forever")
    .option("--preview", "only show the rules this answer would create")
    .action(
      action(async (g, out, id: string, act: string, words: string[], opts: { scope?: string; duration?: string; preview?: boolean }) => {
        const answer = parseAnswer(act, words, opts);
        await withClient(g, async (c) => {
          if (opts.preview) {
            const rules = await c.previewAnswer(id, answer);
            out.result({ promptId: id, answer, rules }, () => (rules.length === 0 ? "no rule would be kept" : rules.map((r) => ruleSummary(r)).join("\n")));
            return;
          }
          const outcome = await c.answerPrompt(id, answer);
          out.result(outcome, () => outcomeText(outcome));
        });
      }),
    );
}
