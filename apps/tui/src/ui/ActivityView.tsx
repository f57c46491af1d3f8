// Live activity: what is being allowed, denied and held, newest at the bottom, with the
// host name and the rule (or reason) that decided. Only the visible rows are drawn.

import { Box, Text } from "ink";
import { visibleLines } from "../state/activity.js";
import type { ActivityState } from "../state/types.js";
import { destinationShort } from "../format/destination.js";
import { baseName, pad, printable } from "../format/text.js";
import { clock } from "../format/time.js";
import { Line, Span } from "./Line.js";
import { verdictTone } from "./theme.js";

export function ActivityView({ activity, width, height }: { activity: ActivityState; width: number; height: number }) {
  const rows = Math.max(0, height - 2);
  const { lines, matching } = visibleLines(activity, rows);
  const state = activity.pausedAt !== undefined ? "paused" : activity.scroll > 0 ? `scrolled back ${activity.scroll}` : "following";
  const filter = activity.text === "" ? "" : ` · filter "${activity.text}"`;
  const lag = activity.lagged > 0 ? ` · ${activity.lagged} dropped (too fast)` : "";
  // time, verdict, program, operation, protocol, destination (what is left), rule or reason
  const destW = Math.max(14, width - (1 + 8 + 1 + 7 + 1 + 11 + 1 + 7 + 1 + 5 + 1) - 1 - 12);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Line tone="dim">{` verdict ${activity.verdict}${filter} · ${matching} shown of ${activity.total} received · ${state}${lag}`}</Line>
      <Line bold>{` ${pad("TIME", 8)} ${pad("VERDICT", 7)} ${pad("PROGRAM", 11)} ${pad("OP", 7)} ${pad("PROTO", 5)} ${pad("DESTINATION", destW)} RULE`}</Line>
      {lines.length === 0 ? <Line tone="dim">{activity.total === 0 ? " Nothing yet: calls decided in user space appear here as they happen." : " No line matches the filter."}</Line> : null}
      {lines.map((l) => (
        <Text key={l.seq} wrap="truncate-end">
          {` ${clock(l.at)} `}
          <Span tone={verdictTone(l.verdict)}>{pad(l.verdict, 7)}</Span>
          {` ${pad(printable(baseName(l.exe)), 11)} ${pad(l.op, 7)} ${pad(l.proto, 5)} ${pad(destinationShort(l.host, l.remoteAddr, l.remotePort ?? l.localPort), destW)} `}
          <Span tone="dim">{printable(l.ruleId ?? l.reason)}{l.count !== undefined && l.count > 1 ? ` ×${l.count}` : ""}</Span>
        </Text>
      ))}
    </Box>
  );
}
