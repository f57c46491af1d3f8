// A screen of plain lines, cut to the height: the views that only say something (no
// prompt, daemon down, not allowed, connecting) draw with it.

import { Box } from "ink";
import { Line } from "./Line.js";
import type { Tone } from "./theme.js";

export interface TextLine {
  text: string;
  tone?: Tone;
  bold?: boolean;
}

export function TextLines({ lines, width, height }: { lines: readonly TextLine[]; width: number; height: number }) {
  return (
    <Box flexDirection="column" width={width} height={height}>
      {lines.slice(0, height).map((l, i) => (
        <Line key={i} tone={l.tone} bold={l.bold}>
          {l.text}
        </Line>
      ))}
    </Box>
  );
}
