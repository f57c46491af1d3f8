// A destination as one phrase: "svc.example.org (10.0.0.2) port 443", "10.0.0.2:53".

import type { PromptDestination } from "@sockgate/protocol/client";
import { printable } from "./text.js";

/** An address with its port, IPv6 in brackets: "10.0.0.2:443", "[fd00::2]:443". */
export function addressPort(address: string | null | undefined, port: number | null | undefined): string {
  const a = address ?? "";
  const withBrackets = a.includes(":") ? `[${a}]` : a;
  if (port === null || port === undefined) return a === "" ? "-" : a;
  return a === "" ? `port ${port}` : `${withBrackets}:${port}`;
}

/** "svc.example.org (10.0.0.2) port 443"; the host name first when the program resolved one. */
export function destinationPhrase(d: PromptDestination): string {
  const port = d.port === undefined ? "" : ` port ${d.port}`;
  if (d.host !== undefined && d.address !== undefined) return `${printable(d.host)} (${d.address})${port}`;
  if (d.host !== undefined) return `${printable(d.host)}${port}`;
  if (d.address !== undefined) return `${d.address}${port}`;
  return port.trim() === "" ? "(no address)" : port.trim();
}

/** The short form for lists: "svc.example.org:443" or "10.0.0.2:443". */
export function destinationShort(host: string | null | undefined, address: string | null | undefined, port: number | null | undefined): string {
  if (host) return port === null || port === undefined ? printable(host) : `${printable(host)}:${port}`;
  return addressPort(address, port);
}
