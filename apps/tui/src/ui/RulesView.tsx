// The rules: the user's own first, then system rules (clearly marked), disabled ones
// marked off; the selected rule's id, note and the daemon's notes below the list.

import { Box, Text } from "ink";
import type { RuleEntry } from "@sockgate/protocol/client";
import { ownerLabel, ruleSummary } from "../format/rule-summary.js";
import { pad, printable } from "../format/text.js";
import { filteredRules } from "../state/rules.js";
import type { RulesState } from "../state/types.js";
import { Line, Span } from "./Line.js";

function Row({ e, uid, selected, now }: { e: RuleEntry; uid: number; selected: boolean; now: number }) {
  const owner = ownerLabel(e.rule.owner, uid);
  return (
    <Text wrap="truncate-end">
      <Span inverse={selected}>{`${selected ? "▸" : " "} `}</Span>
      <Span tone={e.rule.owner.kind === "system" ? "accent" : undefined} bold={e.rule.owner.kind === "system"}>{pad(owner, 9)}</Span>
      <Span tone={e.enabled ? undefined : "dim"}>{pad(e.enabled ? "on" : "off", 4)}</Span>
      <Span tone={e.rule.action === "allow" ? "allow" : e.rule.action === "deny" ? "deny" : "held"}>{pad(e.rule.action, 7)}</Span>
      <Span tone={e.enabled ? undefined : "dim"}>{ruleSummary(e.rule, now).slice(e.rule.action.length + 1)}</Span>
    </Text>
  );
}

export function RulesView({ rules, uid, now, width, height }: { rules: RulesState; uid: number; now: number; width: number; height: number }) {
  const list = filteredRules(rules, uid);
  const mine = rules.entries.filter((e) => e.rule.owner.kind === "user" && e.rule.owner.uid === uid).length;
  const system = rules.entries.filter((e) => e.rule.owner.kind === "system").length;
  const sel = list[rules.selected];
  const detail: string[] = [];
  if (sel !== undefined) {
    detail.push(`id ${printable(sel.rule.id)}${sel.rule.priority ? ` · priority ${sel.rule.priority}` : ""}${sel.rule.note ? ` · note: ${printable(sel.rule.note)}` : ""}`);
    for (const n of sel.notes ?? []) detail.push(`note: ${printable(n)}`);
  }
  const detailRows = Math.min(detail.length, 3);
  const rows = Math.max(1, height - 3 - detailRows - (rules.confirmDelete ? 1 : 0));
  const start = Math.max(0, Math.min(rules.selected - Math.floor(rows / 2), list.length - rows));
  const search = rules.search === "" ? "" : ` · search "${rules.search}"`;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Line tone="dim">{` owner ${rules.owner}${search} · ${list.length} shown · ${mine} yours, ${system} system, ${rules.entries.length - mine - system} other users'`}</Line>
      <Line bold>{`  ${pad("OWNER", 9)}${pad("ON", 4)}${pad("ACTION", 7)}RULE`}</Line>
      {rules.error ? <Line tone="error">{` ${rules.error}`}</Line> : null}
      {!rules.loaded && !rules.error ? <Line tone="dim"> reading rules…</Line> : null}
      {rules.loaded && list.length === 0 ? <Line tone="dim"> No rule matches.</Line> : null}
      {list.slice(start, start + rows).map((e, i) => (
        <Row key={e.rule.id} e={e} uid={uid} selected={start + i === rules.selected} now={now} />
      ))}
      <Box flexGrow={1} />
      {rules.confirmDelete ? <Line tone="warn" bold>{` delete rule ${rules.confirmDelete}? y deletes, any other key keeps it`}</Line> : null}
      {detail.slice(0, detailRows).map((d, i) => (
        <Line key={i} tone="dim">{` ${d}`}</Line>
      ))}
    </Box>
  );
}
