// One line of text, never wrapped: cut to the width with "…". Every view draws with these,
// so a long path or host can never push the layout past its rows.

import { Text } from "ink";
import type { ReactNode } from "react";
import { useTheme } from "./theme-context.js";
import type { Tone } from "./theme.js";

export interface LineProps {
  children?: ReactNode;
  tone?: Tone;
  bold?: boolean;
  inverse?: boolean;
}

export function Line({ children, tone, bold, inverse }: LineProps) {
  const theme = useTheme();
  return (
    <Text wrap="truncate-end" color={tone === undefined ? undefined : theme.color(tone)} bold={bold} inverse={inverse}>
      {children === undefined || children === "" ? " " : children}
    </Text>
  );
}

/** A span inside a Line. */
export function Span({ children, tone, bold, inverse }: LineProps) {
  const theme = useTheme();
  return (
    <Text color={tone === undefined ? undefined : theme.color(tone)} bold={bold} inverse={inverse}>
      {children}
    </Text>
  );
}
