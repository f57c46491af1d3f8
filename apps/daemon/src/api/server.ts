// start(deps) -> { stop() }: the API server on its Unix socket. Each accepted connection is
// identified by the kernel (SO_PEERCRED, SO_PEERGROUPS, the peer's executable) before a
// byte of it is read, and becomes a Connection; the backend sees only authorised calls.

import { ApiError, encodeLine, errorReply } from "@sockgate/protocol/client";
import { API_INTERFACE } from "@sockgate/protocol/client";
import { closeSync } from "node:fs";
import { createServer } from "node:net";
import type { Server, Socket } from "node:net";
import { groupId, isAdmin } from "./admin-group.js";
import type { Peer } from "./backend.js";
import { Connection } from "./connection.js";
import { Fanout } from "./fanout.js";
import { resolveOptions } from "./options.js";
import type { ApiServerDeps, ResolvedOptions } from "./options.js";
import { peerCredentials } from "./peer-credentials.js";
import { isConfined } from "./confinement.js";
import { peerPresence, type PeerPresence } from "./peer-presence.js";
import { AskerTrees } from "./asker-trees.js";
import { checkAnswerer } from "./process-tree.js";
import { loadPidfd } from "../pidfd.js";
import { UserTurns } from "./user-turns.js";
import { ApiSocketError, prepareSocketPath, publishSocket, removeSocket } from "./socket-file.js";

export interface ApiServer {
  readonly socketPath: string;
  /** Whether any connection of `uid` is subscribed to prompts (when not, "nobody is listening" applies). */
  hasPromptSubscriber(uid: number): boolean;
  /** Connections open now. */
  connections(): number;
  /** Stops listening, ends every subscription ("shutdown") and connection, removes the socket. */
  stop(): Promise<void>;
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", (err) => reject(new ApiSocketError(`listening on ${path} failed: ${err.message}`, { cause: err })));
    server.listen(path, () => resolve());
  });
}

class ApiServerImpl implements ApiServer {
  private readonly open = new Set<Connection>();
  private readonly perUid = new Map<number, number>();
  private readonly sockets = new Set<Socket>();
  private readonly fanout: Fanout;
  private readonly askerTrees: AskerTrees;
  private nextConnection = 1;
  private readonly pidfds = loadPidfd();
  private readonly turns: UserTurns;
  private stopping = false;
  private ino = 0;
  readonly server: Server;

  constructor(private readonly o: ResolvedOptions) {
    // Before the fanout: a prompt's asker tree is recorded before any client hears of it.
    this.askerTrees = new AskerTrees(o.backend);
    this.fanout = new Fanout(o.backend, o.log);
    this.turns = new UserTurns(o.maxUnreadBytesPerUid);
    this.server = createServer((socket) => this.accept(socket));
  }

  get socketPath(): string {
    return this.o.socketPath;
  }

  async listen(): Promise<void> {
    const warning = await prepareSocketPath(this.o.socketPath);
    if (warning !== undefined) this.o.log.warn({ socketPath: this.o.socketPath }, `api: ${warning}`);
    await listen(this.server, this.o.socketPath);
    this.server.on("error", (err) => this.o.log.error({ err: err.message }, "api: the listening socket failed"));
    this.ino = publishSocket(this.o.socketPath);
    this.o.log.info({ socketPath: this.o.socketPath, interface: API_INTERFACE }, "api: listening");
  }

  hasPromptSubscriber(uid: number): boolean {
    return this.fanout.hasPromptSubscriber(uid);
  }

  connections(): number {
    return this.open.size;
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of this.open) c.shutdown();
    // Clients get a moment to read their last replies; then whatever is left is cut.
    const cut = setTimeout(() => this.sockets.forEach((s) => s.destroy()), 1000);
    await closed;
    clearTimeout(cut);
    this.fanout.close();
    this.askerTrees.close();
    removeSocket(this.o.socketPath, this.ino);
  }

  private peer(socket: Socket): { peer: Peer; presence: PeerPresence } {
    const { pidfd, ...creds } = peerCredentials(socket);
    let admin: boolean, confined: boolean;
    try {
      admin = isAdmin(creds, groupId(this.o.adminGroup));
      confined = isConfined(creds.pid);
    } catch (err) {
      if (pidfd >= 0) closeSync(pidfd);
      throw err;
    }
    const presence = peerPresence(creds.pid, pidfd, this.pidfds);
    const peer = { ...creds, admin, connectionId: this.nextConnection++, startTime: presence.startTime, confined };
    return { peer, presence };
  }

  private accept(socket: Socket): void {
    let peer: Peer;
    let presence: PeerPresence;
    try {
      ({ peer, presence } = this.peer(socket));
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message }, "api: could not identify a connecting client; closed it");
      socket.destroy();
      return;
    }
    const count = this.perUid.get(peer.uid) ?? 0;
    if (peer.uid !== 0 && count >= this.o.maxConnectionsPerUid) {
      const err = new ApiError("io.sockgate.LimitExceeded", `uid ${peer.uid} has ${count} connections open, the most allowed; close one`);
      socket.end(encodeLine(errorReply(null, err)));
      presence.close();
      return;
    }
    this.perUid.set(peer.uid, count + 1);
    this.sockets.add(socket);
    const connection = new Connection(peer, socket, {
      maxMessageBytes: this.o.maxMessageBytes,
      handshakeTimeoutMs: this.o.handshakeTimeoutMs,
      maxCallsInFlight: this.o.maxCallsInFlight,
      turns: this.turns,
      serverVersion: this.o.serverVersion,
      context: {
        backend: this.o.backend,
        run: this.o.run,
        answerExecutables: this.o.answerExecutables,
        checkAnswerer: (input) => checkAnswerer({ descendsFrom: this.o.descendsFrom, ...input }),
        askerTree: (promptId) => this.askerTrees.of(promptId),
        peerPresent: () => presence.present(),
        apiStatus: () => ({ interface: API_INTERFACE, connections: this.open.size, promptSubscribers: this.fanout.promptSubscribers }),
      },
      fanout: this.fanout,
      log: this.o.log,
      stopping: () => this.stopping,
      closed: (c) => {
        presence.close();
        this.open.delete(c);
        this.sockets.delete(socket);
        const n = (this.perUid.get(peer.uid) ?? 1) - 1;
        if (n === 0) this.perUid.delete(peer.uid);
        else this.perUid.set(peer.uid, n);
      },
    });
    this.open.add(connection);
  }
}

/** Listens on the socket and serves the API until stop(). Rejects with ApiSocketError (code SG_ERR_API_SOCKET) when it cannot listen. */
export async function start(deps: ApiServerDeps): Promise<ApiServer> {
  const server = new ApiServerImpl(resolveOptions(deps));
  await server.listen();
  return server;
}
