// The whole screen as a pure function of the state: header, the focused view (or what
// stands in for it: help, daemon down, not allowed), one status line, the footer keys.

import { Box } from "ink";
import { EDITOR_KEYS, GLOBAL_KEYS, HELP_KEYS, INPUT_KEYS, VIEW_KEYS } from "../keys/keymap.js";
import type { Binding } from "../keys/keymap.js";
import type { TuiState } from "../state/types.js";
import { ActivityView } from "./ActivityView.js";
import { FOOTER_ROWS, Footer } from "./Footer.js";
import { Header } from "./Header.js";
import { HelpView } from "./HelpView.js";
import { HistoryView } from "./HistoryView.js";
import { Line } from "./Line.js";
import { Connecting, DaemonDown, NotAllowed } from "./LinkScreens.js";
import type { Guidance } from "./NoPrompts.js";
import { NoPrompts } from "./NoPrompts.js";
import { PromptView } from "./PromptView.js";
import { RuleEditor } from "./RuleEditor.js";
import { RulesView } from "./RulesView.js";

export interface ScreenProps {
  state: TuiState;
  columns: number;
  rows: number;
  guidance: Guidance;
  /** How to start the daemon, for the "daemon down" screen. */
  startHint: string;
  /** Draw charts in ASCII (the locale may not be UTF-8). */
  ascii: boolean;
}

const INPUT_LABELS = {
  "activity-text": "filter",
  "rules-search": "search",
  "history-exe": "application path contains",
  "history-host": "host contains",
  "editor-value": "value",
  "editor-path": "new field",
} as const;

function statusLine(s: TuiState): { text: string; tone?: "warn" | "error" | "accent" | "allow" | "deny" } {
  if (s.input !== undefined && s.input.target !== "editor-value" && s.input.target !== "editor-path") return { text: ` ${INPUT_LABELS[s.input.target]}: ${s.input.text}▏`, tone: "accent" };
  if (s.notice !== undefined) return { text: ` ${s.notice.text}`, tone: s.notice.tone === "info" ? undefined : s.notice.tone };
  const last = s.prompts.settled[0];
  if (last !== undefined && s.now - last.at < 10_000) return { text: ` settled: ${last.text}`, tone: last.action === "allow" ? "allow" : "deny" };
  const n = s.prompts.queue.length;
  if (n > 0 && s.view !== "prompts") return { text: ` ${n} prompt${n === 1 ? "" : "s"} waiting: press 1`, tone: "warn" };
  return { text: "" };
}

function focusKeys(s: TuiState): Binding[] {
  if (s.help) return HELP_KEYS;
  if (s.input !== undefined) return INPUT_KEYS;
  if (s.link.kind !== "up") return [];
  if (s.view === "rules" && s.rules.editor !== undefined) return EDITOR_KEYS;
  if (s.view === "prompts" && s.prompts.queue.length === 0) return [];
  return VIEW_KEYS[s.view];
}

function Body({ state: s, columns, rows, guidance, startHint, ascii }: ScreenProps & { rows: number }) {
  const width = columns;
  const height = rows;
  if (s.help) return <HelpView view={s.view} width={width} height={height} />;
  switch (s.link.kind) {
    case "down":
      return <DaemonDown link={s.link} startHint={startHint} width={width} height={height} />;
    case "denied":
      return <NotAllowed link={s.link} width={width} height={height} />;
    case "connecting":
      return <Connecting link={s.link} width={width} height={height} />;
    case "up":
      break;
  }
  const uid = s.link.hello.peer.uid;
  switch (s.view) {
    case "prompts":
      return s.prompts.queue.length === 0 ? <NoPrompts settled={s.prompts.settled} guidance={guidance} width={width} height={height} /> : <PromptView prompts={s.prompts} now={s.now} width={width} height={height} />;
    case "activity":
      return <ActivityView activity={s.activity} width={width} height={height} />;
    case "rules":
      return s.rules.editor !== undefined ? <RuleEditor editor={s.rules.editor} input={s.input} width={width} height={height} /> : <RulesView rules={s.rules} uid={uid} now={s.now} width={width} height={height} />;
    case "history":
      return <HistoryView history={s.history} now={s.now} width={width} height={height} ascii={ascii} />;
  }
}

export function Screen(props: ScreenProps) {
  const { state: s, columns, rows } = props;
  const status = statusLine(s);
  const bodyRows = Math.max(1, rows - 3 - FOOTER_ROWS);
  const keys = s.input !== undefined || s.help ? focusKeys(s) : [...focusKeys(s), ...GLOBAL_KEYS];
  return (
    <Box flexDirection="column" width={columns} height={rows}>
      <Header view={s.view} pending={s.prompts.queue.length} link={s.link} width={columns} />
      <Line tone="dim">{"─".repeat(columns)}</Line>
      <Body {...props} rows={bodyRows} />
      <Line tone={status.tone} bold={status.tone === "warn"}>
        {status.text}
      </Line>
      <Footer bindings={keys} width={columns} />
    </Box>
  );
}
