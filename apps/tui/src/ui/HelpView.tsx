// "?": every key, with what it does, for the view that has focus and everywhere.

import { Box } from "ink";
import type { Binding } from "../keys/keymap.js";
import { EDITOR_KEYS, GLOBAL_KEYS, INPUT_KEYS, VIEW_KEYS } from "../keys/keymap.js";
import type { ViewName } from "../state/types.js";
import { pad } from "../format/text.js";
import { Line } from "./Line.js";

export function HelpView({ view, width, height }: { view: ViewName; width: number; height: number }) {
  const sections: [string, Binding[]][] = [[`${view} view`, VIEW_KEYS[view]], ...(view === "rules" ? ([["rule editor", EDITOR_KEYS]] as [string, Binding[]][]) : [])];
  const lines: { text: string; bold?: boolean }[] = [];
  for (const [name, bindings] of sections) {
    lines.push({ text: ` ${name}`, bold: true });
    for (const b of bindings) lines.push({ text: `   ${pad(b.keys, 7)} ${b.help}` });
  }
  // The keys of every view and of typing, one line each, so the whole help fits 24 rows.
  const oneLine = (bindings: Binding[]): string => bindings.map((b) => `${b.keys} ${b.short}`).join(" · ");
  lines.push({ text: ` everywhere: ${oneLine(GLOBAL_KEYS)} (q twice with prompts waiting)`, bold: true }, { text: ` while typing: ${oneLine(INPUT_KEYS)}`, bold: true });
  return (
    <Box flexDirection="column" width={width} height={height}>
      {lines.slice(0, height).map((l, i) => (
        <Line key={i} bold={l.bold}>
          {l.text}
        </Line>
      ))}
    </Box>
  );
}
