// Keys of the activity view.

import type { TuiState } from "../state/types.js";
import type { Command, KeyPress } from "./key-press.js";

export function activityKeys(s: TuiState, k: KeyPress, page: number): Command[] {
  if (k.input === "/") return [{ type: "input-start", target: "activity-text", text: s.activity.text }];
  if (k.escape && s.activity.text !== "") return [{ type: "activity-text", text: "" }];
  if (k.input === "v") return [{ type: "activity-verdict" }];
  if (k.input === " ") return [{ type: "activity-pause" }];
  if (k.input === "c") return [{ type: "activity-clear" }];
  if (k.up || k.input === "k") return [{ type: "activity-scroll", delta: 1 }];
  if (k.down || k.input === "j") return [{ type: "activity-scroll", delta: -1 }];
  if (k.pageUp) return [{ type: "activity-scroll", delta: page }];
  if (k.pageDown) return [{ type: "activity-scroll", delta: -page }];
  if (k.input === "g" || k.home) return [{ type: "activity-scroll-to", end: "oldest" }];
  if (k.input === "G" || k.end) return [{ type: "activity-scroll-to", end: "newest" }];
  return [];
}
