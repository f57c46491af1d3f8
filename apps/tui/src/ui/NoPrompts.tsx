// The prompt view with nothing waiting: what will happen here, how to see it happen (a
// governed command to run), and what was settled lately.

import type { Settled } from "../state/types.js";
import { clock } from "../format/time.js";
import { TextLines } from "./TextLines.js";

export interface Guidance {
  /** True when this user's own programs are governed (then any command asks). */
  governed: boolean;
  /** How to open a governed shell here, e.g. "./sockgate shell". */
  shellHint: string;
  /** A command that makes a connection, e.g. "curl -I http://deb.debian.org/". */
  tryCommand: string;
}

export function NoPrompts({ settled, guidance, width, height }: { settled: Settled[]; guidance: Guidance; width: number; height: number }) {
  const lines: { text: string; tone?: "accent" | "dim" | "allow" | "deny"; bold?: boolean }[] = [
    { text: " No prompts waiting.", bold: true },
    { text: "" },
    { text: " When a governed program makes a call no rule decides, it waits here until you" },
    { text: " answer: allow or deny, for this host or wider, once or for longer." },
    { text: "" },
  ];
  // Another terminal: a second ssh login or a tmux window; this one stays open to answer.
  if (guidance.governed) {
    lines.push({ text: " Try it: your programs are governed. In another terminal (a second login or a" }, { text: " tmux window) run" }, { text: `     ${guidance.tryCommand}`, tone: "accent" });
  } else {
    lines.push(
      { text: " Try it: in another terminal (a second login or a tmux window) open a governed" },
      { text: " shell, then make a connection in it:" },
      { text: `     ${guidance.shellHint}`, tone: "accent" },
      { text: `     ${guidance.tryCommand}`, tone: "accent" },
    );
  }
  lines.push({ text: " Its connection waits; the prompt appears here. Answer it (a, then ⏎) and the" }, { text: " command goes on. With no TUI open, undecided calls get the default (deny)." }, { text: "" });
  const room = height - lines.length - 1;
  if (settled.length > 0 && room > 0) {
    lines.push({ text: " Recently settled:", tone: "dim" });
    for (const s of settled.slice(0, room)) lines.push({ text: `   ${clock(s.at)} ${s.text}`, tone: s.action === "allow" ? "allow" : "deny" });
  }
  return <TextLines lines={lines} width={width} height={height} />;
}
