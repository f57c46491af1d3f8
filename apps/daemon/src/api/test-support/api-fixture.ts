// One API server on a socket in a temp dir, with an in-memory backend, three test users
// (alice, bob, and carol in the admin group) and the client processes a test starts.
// close() undoes all of it, also after a setup that failed half way.

import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ApiServerDeps } from "../options.js";
import { start } from "../server.js";
import type { ApiServer } from "../server.js";
import { ClientProcess } from "./client-process.js";
import { MemoryBackend } from "./memory-backend.js";
import { TestUsers } from "./users.js";
import type { TestUser } from "./users.js";

export class ApiFixture {
  readonly backend = new MemoryBackend();
  readonly dir: string;
  readonly socketPath: string;
  private readonly users = new TestUsers();
  private readonly clients: ClientProcess[] = [];
  server: ApiServer | undefined;
  alice!: TestUser;
  bob!: TestUser;
  carol!: TestUser;
  adminGroup!: { name: string; gid: number };

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), "sockgate-api-test-"));
    chmodSync(this.dir, 0o755); // the test users must reach the socket below it
    this.socketPath = join(this.dir, "run", "api.sock");
  }

  async setup(options: Omit<Partial<ApiServerDeps>, "backend"> = {}): Promise<this> {
    this.adminGroup = this.users.group("adm");
    this.alice = this.users.user("alice");
    this.bob = this.users.user("bob");
    this.carol = this.users.user("carol", [this.adminGroup.name]);
    this.server = await start({ backend: this.backend, socketPath: this.socketPath, adminGroup: this.adminGroup.name, ...options });
    return this;
  }

  /** A client process as `user` (null: root, the test's own user), connected. */
  async client(user: TestUser | null, options: { groups?: "clear" | "init"; versions?: string[] } = {}): Promise<ClientProcess> {
    const c = await ClientProcess.start(user, this.socketPath, options);
    this.clients.push(c);
    return c;
  }

  async close(): Promise<void> {
    try {
      await Promise.all(this.clients.splice(0).map((c) => c.stop()));
      await this.server?.stop();
    } finally {
      this.users.remove();
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
