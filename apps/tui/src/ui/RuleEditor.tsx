// The rule editor: one row per field; the daemon's refusal is shown under the field it names.

import { Box, Text } from "ink";
import type { ReactElement } from "react";
import { rowOfField } from "../state/editor.js";
import type { EditorState, InputState } from "../state/types.js";
import { pad, printable } from "../format/text.js";
import { Line, Span } from "./Line.js";

/** The daemon's sentence from the field it names on ("match.remotePort[0]: expected a port ..."). */
function fromField(message: string, field: string | undefined): string {
  const at = field === undefined ? -1 : message.indexOf(field);
  return at < 0 ? message : message.slice(at);
}

export function RuleEditor({ editor, input, width, height }: { editor: EditorState; input: InputState | undefined; width: number; height: number }) {
  const errorRow = editor.error === undefined ? -1 : rowOfField(editor, editor.error.field);
  const labelW = Math.min(24, Math.max(10, ...editor.rows.map((r) => r.path.length + 2)));
  const who = editor.owner.kind === "system" ? "system rule" : `rule of uid ${editor.owner.uid}`;
  const rows = Math.max(1, height - 4);
  const start = Math.max(0, Math.min(editor.selected - Math.floor(rows / 2), editor.rows.length - rows));
  const lines: ReactElement[] = [];
  editor.rows.slice(start).forEach((r, j) => {
    const i = start + j;
    const selected = i === editor.selected;
    const typing = selected && input !== undefined && input.target === "editor-value";
    lines.push(
      <Text key={r.path} wrap="truncate-end">
        <Span inverse={selected}>{selected ? "▸" : " "}</Span>
        <Span tone={i === errorRow ? "error" : "dim"}>{` ${pad(r.path, labelW)}`}</Span>
        <Span tone={typing ? "accent" : undefined}>{typing ? `${input.text}▏` : printable(r.text) || "(empty)"}</Span>
      </Text>,
    );
    if (i === errorRow) lines.push(<Line key={`${r.path}-error`} tone="error" bold>{`   ${" ".repeat(labelW)}✗ ${fromField(editor.error!.message, editor.error!.field)}`}</Line>);
  });
  const unplaced = editor.error !== undefined && errorRow < 0;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Line bold>{` ${editor.ruleId === undefined ? "New rule" : `Edit rule ${printable(editor.ruleId)}`} (${who})${editor.saving ? " · saving…" : ""}`}</Line>
      {unplaced ? <Line tone="error" bold>{` ✗ ${editor.error!.field ? `${editor.error!.field}: ` : ""}${editor.error!.message}`}</Line> : <Line> </Line>}
      {lines.slice(0, rows)}
      <Box flexGrow={1} />
      {input?.target === "editor-path" ? <Line tone="accent">{` new field: ${input.text}▏`}</Line> : <Line tone="dim"> strings as typed; lists, numbers and objects as JSON, e.g. ["connect"] or [443]</Line>}
    </Box>
  );
}
