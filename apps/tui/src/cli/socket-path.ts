// Where the daemon's socket is: --socket, then $SOCKGATE_SOCKET, then api.socket of the
// daemon's configuration file (--config, $SOCKGATE_CONFIG, /etc/sockgate/config.json), then
// the default. Clients and daemon read the same file, so they agree without a flag.

import { readFileSync } from "node:fs";
import { DEFAULT_SOCKET_PATH } from "@sockgate/protocol/client";

export const DEFAULT_CONFIG_PATH = "/etc/sockgate/config.json";

export interface SocketOptions {
  socket?: string;
  config?: string;
}

function fromConfig(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined; // no file (or not readable by this user): the defaults apply
  }
  try {
    const socket = (JSON.parse(text) as { api?: { socket?: unknown } }).api?.socket;
    return typeof socket === "string" && socket !== "" ? socket : undefined;
  } catch {
    return undefined; // the daemon itself refuses a broken file and says why
  }
}

export function resolveSocketPath(o: SocketOptions, env: NodeJS.ProcessEnv = process.env): string {
  if (o.socket) return o.socket;
  if (env.SOCKGATE_SOCKET) return env.SOCKGATE_SOCKET;
  return fromConfig(o.config ?? env.SOCKGATE_CONFIG ?? DEFAULT_CONFIG_PATH) ?? DEFAULT_SOCKET_PATH;
}
