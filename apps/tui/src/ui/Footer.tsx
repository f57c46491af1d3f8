// The bottom lines: every key of what has focus, then the keys that work everywhere.

import { Box } from "ink";
import type { Binding } from "../keys/keymap.js";
import { footerLines } from "../keys/keymap.js";
import { Line } from "./Line.js";

export const FOOTER_ROWS = 2;

export function Footer({ bindings, width }: { bindings: readonly Binding[]; width: number }) {
  const lines = footerLines(bindings, width - 1);
  const shown = [...lines.slice(0, FOOTER_ROWS), ...Array<string>(Math.max(0, FOOTER_ROWS - lines.length)).fill("")];
  return (
    <Box flexDirection="column" width={width}>
      {shown.map((l, i) => (
        <Line key={i} tone="accent">
          {` ${l}`}
        </Line>
      ))}
    </Box>
  );
}
