// The prompt: who asks for what, the choices (action, scope, duration), the rules the
// answer will create, the countdown to the default, and the queue behind it.

import { Box, Text } from "ink";
import { ANSWER_SCOPES } from "@sockgate/protocol/client";
import type { ApiPrompt } from "@sockgate/protocol/client";
import { appLines, appName } from "../format/app.js";
import { destinationPhrase, destinationShort } from "../format/destination.js";
import { DURATION_CHOICES, OPERATION_VERBS, SCOPE_LABELS, durationLabel, sameDuration } from "../format/labels.js";
import { ruleSummary } from "../format/rule-summary.js";
import { pad, printable } from "../format/text.js";
import { countdown } from "../format/time.js";
import { choiceKey, choiceOf, currentPrompt } from "../state/prompts.js";
import type { Choice, PromptsState } from "../state/types.js";
import { Line, Span } from "./Line.js";

function title(p: ApiPrompt): string {
  const verb = OPERATION_VERBS[p.operation];
  const proto = p.protocol.toUpperCase();
  if (p.kind === "many") return `${appName(p.app)} wants to ${verb} ${p.destinations.length} new destinations (${proto})`;
  if (p.operation === "socket") return `${appName(p.app)} wants to open a ${proto} socket`;
  return `${appName(p.app)} wants to ${verb} ${destinationPhrase(p.destination)} (${proto})`;
}

function ChoiceRow({ label, values, selected, focused }: { label: string; values: string[]; selected: number; focused: boolean }) {
  return (
    <Text wrap="truncate-end">
      <Span tone={focused ? "accent" : undefined} bold={focused}>{`${focused ? "▸" : " "} ${pad(label, 9)}`}</Span>
      {values.map((v, i) => (
        <Span key={v} inverse={i === selected} bold={i === selected}>
          {i === selected ? `[${v}]` : ` ${v} `}
        </Span>
      ))}
    </Text>
  );
}

function Choices({ choice, row }: { choice: Choice; row: number }) {
  return (
    <Box flexDirection="column">
      <ChoiceRow label="action" values={["allow", "deny"]} selected={choice.action === "allow" ? 0 : 1} focused={row === 0} />
      <ChoiceRow label="scope" values={ANSWER_SCOPES.map((s) => SCOPE_LABELS[s])} selected={ANSWER_SCOPES.indexOf(choice.scope)} focused={row === 1} />
      <ChoiceRow label="duration" values={DURATION_CHOICES.map(durationLabel)} selected={DURATION_CHOICES.findIndex((d) => sameDuration(d, choice.duration))} focused={row === 2} />
    </Box>
  );
}

function Destinations({ p, width, max }: { p: ApiPrompt; width: number; max: number }) {
  const items = p.destinations.map((d) => destinationShort(d.host, d.address, d.port));
  const lines: string[] = [];
  let line = "";
  let shown = 0;
  for (const item of items) {
    const next = line === "" ? item : `${line}, ${item}`;
    if (next.length > width - 16 && line !== "") {
      if (lines.length === max - 1) break;
      lines.push(line);
      line = item;
    } else line = next;
    shown++;
  }
  if (line !== "") lines.push(line);
  const more = items.length - shown;
  return (
    <Box flexDirection="column">
      {lines.map((l, i) => (
        <Line key={i}>{`  ${pad(i === 0 ? "to" : "", 9)}${l}${i === lines.length - 1 && more > 0 ? ` (+${more} more)` : ""}`}</Line>
      ))}
    </Box>
  );
}

function WillCreate({ prompts, choice, promptId }: { prompts: PromptsState; choice: Choice; promptId: string }) {
  const pv = prompts.preview;
  const fresh = pv !== undefined && pv.promptId === promptId && pv.key === choiceKey(choice);
  let text: string;
  let tone: "error" | "dim" | undefined;
  if (!fresh) {
    text = "…";
    tone = "dim";
  } else if (pv.error !== undefined) {
    text = `cannot: ${pv.error}`;
    tone = "error";
  } else if (pv.rules === undefined || pv.rules.length === 0) {
    text = choice.duration === "once" ? `${choice.action} this call only (no rule is kept)` : "no rule";
  } else {
    text = pv.rules.map((r) => ruleSummary(r)).join("; ");
  }
  return (
    <Text wrap="truncate-end">
      <Span bold>{"  will create "}</Span>
      <Span tone={tone}>{text}</Span>
    </Text>
  );
}

export interface PromptViewProps {
  prompts: PromptsState;
  now: number;
  width: number;
  height: number;
}

export function PromptView({ prompts, now, width, height }: PromptViewProps) {
  const p = currentPrompt(prompts);
  if (p === undefined) return null;
  const choice = choiceOf(prompts, p.id);
  const index = prompts.queue.findIndex((q) => q.id === p.id);
  const left = p.deadline - now;
  const urgent = left <= 10_000;
  const details = appLines(p.app);
  if (p.destination.port !== undefined && p.operation !== "bind" && p.operation !== "listen" && p.kind === "single" && p.destinations.length > 1) {
    details.push({ label: "also", text: p.destinations.slice(1).map((d) => destinationShort(d.host, d.address, d.port)).join(", ") });
  }
  const names = p.destination.hosts ?? [];
  if (names.length > 1) details.push({ label: "names", text: names.map(printable).join(", ") });
  if (p.destination.localPort !== undefined) details.push({ label: "local", text: `port ${p.destination.localPort}` });
  for (const n of p.notes ?? []) details.push({ label: "note", text: printable(n), warn: true });
  const queued = prompts.queue.length;
  // Rows: title, queue line, blank, details, blank, 3 choices, blank, will create, blank, countdown, [error], [queue list]
  const fixed = 11 + (prompts.error ? 1 : 0);
  const destRows = p.kind === "many" ? Math.min(3, Math.max(1, height - fixed - details.length - 2)) : 0;
  const detailRows = Math.max(1, Math.min(details.length, height - fixed - destRows - (queued > 1 ? 1 : 0)));
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Line bold tone="warn">{` ${title(p)}`}</Line>
      <Line tone="dim">{` prompt ${index + 1} of ${queued}${p.requests > 1 ? ` · ${p.requests} calls waiting on this answer` : ""}${p.kind === "many" ? " · many destinations" : ""}`}</Line>
      {p.kind === "many" ? <Destinations p={p} width={width} max={destRows} /> : null}
      <Line> </Line>
      {details.slice(0, detailRows).map((d, i) => (
        <Text key={i} wrap="truncate-end">
          <Span tone="dim">{`  ${pad(d.label, 9)}`}</Span>
          <Span tone={d.warn ? "warn" : undefined} bold={d.warn}>{d.text}</Span>
        </Text>
      ))}
      <Line> </Line>
      <Choices choice={choice} row={prompts.row} />
      <Line> </Line>
      <WillCreate prompts={prompts} choice={choice} promptId={p.id} />
      <Line> </Line>
      <Text wrap="truncate-end">
        <Span tone={urgent ? "deny" : undefined} bold={urgent}>{`  times out in ${countdown(left)}`}</Span>
        <Span>{`, then: ${p.timeoutAction}${prompts.answering === p.id ? " · answering…" : ""}`}</Span>
      </Text>
      {prompts.error ? <Line tone="error">{`  answer refused: ${prompts.error}`}</Line> : null}
      {queued > 1 ? <Queue prompts={prompts} width={width} /> : null}
    </Box>
  );
}

function Queue({ prompts, width }: { prompts: PromptsState; width: number }) {
  const parts = prompts.queue.map((q) => {
    const d = q.kind === "many" ? `${q.destinations.length} destinations` : destinationShort(q.destination.host, q.destination.address, q.destination.port);
    return `${q.id === prompts.current ? "▸" : " "}${appName(q.app)} → ${d}${q.requests > 1 ? ` ×${q.requests}` : ""}`;
  });
  return <Line tone="dim">{pad(`  queue ${parts.join("  ")}`, width)}</Line>;
}
