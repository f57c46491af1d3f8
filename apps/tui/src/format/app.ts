// The application behind a prompt, as labelled lines: name and path, process, command
// line, app id, and what is unusual about it (flags), so a person can tell who asks.

import type { AppIdentity } from "@sockgate/protocol";
import { flagLabel } from "./labels.js";
import { baseName, printable } from "./text.js";

export interface AppLine {
  label: string;
  text: string;
  /** Shown as a warning: something that weakens the identity (deleted executable, LD_PRELOAD, ...). */
  warn?: boolean;
}

export function appName(app: AppIdentity): string {
  if (app.appId !== undefined && (app.appId.kind === "flatpak" || app.appId.kind === "snap")) return printable(app.appId.id);
  return app.exePath === "" ? "(no executable)" : printable(baseName(app.exePath));
}

function appIdText(app: AppIdentity): string | undefined {
  const id = app.appId;
  if (id === undefined) return undefined;
  switch (id.kind) {
    case "systemd":
      return `system unit ${printable(id.id)}`;
    case "user-unit":
      return `unit ${printable(id.id)} of uid ${id.uid}'s own manager`;
    case "flatpak":
    case "snap":
      return `${id.kind} ${printable(id.id)}${id.verified ? " (verified)" : " (claimed, not verified: matches no rule)"}`;
  }
}

/** The lines the prompt shows about the application. */
export function appLines(app: AppIdentity): AppLine[] {
  const lines: AppLine[] = [];
  const path = app.exePath === "" ? "(none)" : printable(app.exePath);
  lines.push({ label: "program", text: `${appName(app)}  ${path}${app.sha256 ? `  sha256 ${app.sha256.slice(0, 12)}…` : ""}` });
  const user = app.userName === undefined ? `uid ${app.uid}` : `${printable(app.userName)} (uid ${app.uid})`;
  const parent = app.parentExe === undefined ? "" : ` · parent ${printable(app.parentExe)}`;
  lines.push({ label: "process", text: `pid ${app.pid} · user ${user}${parent}` });
  if (app.cmdline !== undefined && app.cmdline.length > 0) {
    const source = app.cmdlineSource === "proc" ? " (from /proc: the program can rewrite it)" : "";
    lines.push({ label: "command", text: `${printable(app.cmdline.join(" "))}${source}` });
  }
  const id = appIdText(app);
  if (id !== undefined) lines.push({ label: "app id", text: id, warn: (app.appId?.kind === "flatpak" || app.appId?.kind === "snap") && !app.appId.verified });
  const flags = (app.flags ?? []).map(flagLabel);
  if (flags.length > 0) lines.push({ label: "flags", text: flags.map((f) => f.text).join(", "), warn: flags.some((f) => f.warn) });
  return lines;
}
