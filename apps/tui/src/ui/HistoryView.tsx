// History: per application, calls allowed and denied and a bar chart of calls over the
// span; the selected application's newest entries below.

import { Box, Text } from "ink";
import type { HistoryState } from "../state/types.js";
import { historyByApp } from "../state/history.js";
import { destinationShort } from "../format/destination.js";
import { sparkline } from "../format/sparkline.js";
import { baseName, pad, printable, truncateStart } from "../format/text.js";
import { clock, spanLabel } from "../format/time.js";
import { Line, Span } from "./Line.js";
import { verdictTone } from "./theme.js";

export function HistoryView({ history, now, width, height, ascii }: { history: HistoryState; now: number; width: number; height: number; ascii: boolean }) {
  const f = history.filter;
  const nameW = 22;
  const chartW = Math.max(10, width - 2 - nameW - 7 - 6 - 2);
  const to = history.loadedAt ?? now;
  const apps = historyByApp(history.entries, to, f.span, chartW);
  const sel = apps[Math.min(history.selected, apps.length - 1)];
  const listRows = Math.max(1, Math.min(apps.length, Math.floor((height - 4) / 2)));
  const start = Math.max(0, Math.min(history.selected - Math.floor(listRows / 2), apps.length - listRows));
  const recentRows = Math.max(0, height - 4 - listRows);
  const filter = [`app ${f.exe === "" ? "all" : `"${truncateStart(f.exe, 24)}"`}`, `host ${f.host === "" ? "all" : `"${f.host}"`}`, `verdict ${f.verdict}`, `last ${spanLabel(f.span)}`].join(" · ");
  const bucket = spanLabel(Math.max(1000, Math.round(f.span / chartW / 1000) * 1000));
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Line tone="dim">{` ${filter} · ${history.entries.length} entries${history.loading ? " · reading…" : ""}`}</Line>
      <Line bold>{`  ${pad("PROGRAM", nameW)}${pad("ALLOW", 7)}${pad("DENY", 6)}  CALLS OVER THE LAST ${spanLabel(f.span).toUpperCase()} (1 bar = ${bucket})`}</Line>
      {history.error ? <Line tone="error">{` ${history.error}`}</Line> : null}
      {!history.error && apps.length === 0 ? <Line tone="dim">{history.loading ? " reading history…" : " Nothing recorded in this span."}</Line> : null}
      {apps.slice(start, start + listRows).map((a, i) => {
        const selected = start + i === history.selected;
        return (
          <Text key={a.exe} wrap="truncate-end">
            <Span inverse={selected}>{selected ? "▸" : " "}</Span>
            {` ${pad(printable(baseName(a.exe)), nameW)}`}
            <Span tone="allow">{pad(String(a.allow), 7)}</Span>
            <Span tone="deny">{pad(String(a.deny), 6)}</Span>
            {"  "}
            <Span tone="accent">{sparkline(a.buckets, ascii)}</Span>
          </Text>
        );
      })}
      <Box flexGrow={1} />
      {sel !== undefined ? <Line bold>{` ${printable(sel.exe)}: newest`}</Line> : null}
      {sel?.recent.slice(0, Math.max(0, recentRows - 1)).map((e) => (
        <Text key={e.seq} wrap="truncate-end">
          {` ${clock(e.at)} `}
          <Span tone={verdictTone(e.verdict)}>{pad(e.verdict, 6)}</Span>
          {` ${pad(e.op, 8)}${pad(destinationShort(e.host, e.remoteAddr, e.remotePort ?? e.localPort), 28)} `}
          <Span tone="dim">{`${printable(e.ruleId ?? e.reason)}${e.count !== undefined && e.count > 1 ? ` ×${e.count}` : ""}${e.answeredBy ? ` · answered by pid ${e.answeredBy.pid}` : ""}`}</Span>
        </Text>
      ))}
    </Box>
  );
}
