// One connection per command: opened with the global options, closed when the command ends.

import { connect } from "@sockgate/protocol/client";
import type { ApiClient } from "@sockgate/protocol/client";
import { resolveSocketPath } from "./socket-path.js";
import type { SocketOptions } from "./socket-path.js";

export async function withClient<T>(o: SocketOptions, fn: (client: ApiClient) => Promise<T>): Promise<T> {
  const client = await connect({ socketPath: resolveSocketPath(o), client: { name: "sockgate-cli" } });
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}
