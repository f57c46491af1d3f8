// The daemon's client API (io.sockgate.v1 over a Unix socket). main.ts calls start() with
// a backend over the engine and store; see README.md in this folder.

export { start } from "./server.js";
export type { ApiServer } from "./server.js";
export type { ApiLog, ApiServerDeps } from "./options.js";
export type { ApiBackend, Awaitable, BackendEvent, OwnedRuleInput, Peer, RuleOwners } from "./backend.js";
export { checkAnswerer, readProcStat } from "./process-tree.js";
export type { AnswerCheck, AnswerCheckInput, AnswererRelation, ProcStat } from "./process-tree.js";
export { ApiSocketError } from "./socket-file.js";
