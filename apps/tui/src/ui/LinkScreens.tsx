// What the screen says when there is no daemon to talk to, or this user may not use it.

import type { LinkStatus } from "../state/types.js";
import { TextLines } from "./TextLines.js";

export function DaemonDown({ link, startHint, width, height }: { link: Extract<LinkStatus, { kind: "down" }>; startHint: string; width: number; height: number }) {
  return (
    <TextLines
      width={width}
      height={height}
      lines={[
        { text: " The sockgate daemon is not running.", tone: "error", bold: true },
        { text: "" },
        { text: ` ${link.message}`, tone: "dim" },
        { text: "" },
        { text: " Nothing is asked while it is down. What the kernel was told stays in force:" },
        { text: " calls its rules allow still go through; new, undecided calls of governed" },
        { text: " programs are denied (or held, if the daemon was killed) until it is back." },
        { text: "" },
        { text: " Start it (as root):" },
        { text: `     ${startHint}`, tone: "accent" },
        { text: "" },
        { text: " This screen reconnects by itself when the daemon answers again.", tone: "dim" },
      ]}
    />
  );
}

export function NotAllowed({ link, width, height }: { link: Extract<LinkStatus, { kind: "denied" }>; width: number; height: number }) {
  return (
    <TextLines
      width={width}
      height={height}
      lines={[
        { text: " This user may not use sockgate's daemon.", tone: "error", bold: true },
        { text: "" },
        { text: ` ${link.message}`, tone: "dim" },
        { text: ` (${link.code}, socket ${link.socketPath})`, tone: "dim" },
        { text: "" },
        { text: " Each user sees and answers only the prompts of their own programs. If you" },
        { text: " should be able to, ask an administrator to check the socket's permissions" },
        { text: " and api.answerExecutables in /etc/sockgate/config.json." },
        { text: "" },
        { text: " Retrying every few seconds.", tone: "dim" },
      ]}
    />
  );
}

export function Connecting({ link, width, height }: { link: Extract<LinkStatus, { kind: "connecting" }>; width: number; height: number }) {
  return <TextLines width={width} height={height} lines={[{ text: ` Connecting to ${link.socketPath}…`, tone: "dim" }]} />;
}
