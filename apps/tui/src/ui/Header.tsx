// The top line: the views with their keys (prompts with a count), and the link to the daemon.

import { Box, Text } from "ink";
import type { LinkStatus, ViewName } from "../state/types.js";
import { VIEWS } from "../state/types.js";
import { Span } from "./Line.js";

const TITLES: Record<ViewName, string> = { prompts: "Prompts", activity: "Activity", rules: "Rules", history: "History" };

function linkText(link: LinkStatus): { text: string; tone: "allow" | "deny" | "warn" } {
  switch (link.kind) {
    case "up": {
      const p = link.hello.peer;
      return { text: `uid ${p.uid}${p.admin ? " (admin)" : ""} · connected`, tone: "allow" };
    }
    case "connecting":
      return { text: "connecting…", tone: "warn" };
    case "down":
      return { text: "daemon down", tone: "deny" };
    case "denied":
      return { text: "not allowed", tone: "deny" };
  }
}

export function Header({ view, pending, link, width }: { view: ViewName; pending: number; link: LinkStatus; width: number }) {
  const status = linkText(link);
  return (
    <Box width={width} justifyContent="space-between">
      <Text wrap="truncate-end">
        <Span bold>sockgate </Span>
        {VIEWS.map((v, i) => {
          const label = v === "prompts" && pending > 0 ? `${TITLES[v]} (${pending})` : TITLES[v];
          return (
            <Span key={v} inverse={v === view} tone={v === "prompts" && pending > 0 ? "warn" : undefined} bold={v === view}>
              {` ${i + 1} ${label} `}
            </Span>
          );
        })}
      </Text>
      <Text wrap="truncate-end">
        <Span tone={status.tone}>{status.text}</Span>
      </Text>
    </Box>
  );
}
