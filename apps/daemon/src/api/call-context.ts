// What a method handler gets: the authenticated peer, the backend, and the server's settings.

import type { MethodName, ParamsOf, ReplyOf, Status } from "@sockgate/protocol/client";
import type { ApiBackend, Peer } from "./backend.js";
import type { AnswerCheck, AnswerCheckInput, AskerTree } from "./process-tree.js";
import type { RunBackend } from "./run-backend.js";

export interface CallContext {
  peer: Peer;
  backend: ApiBackend;
  run: RunBackend | undefined;
  /** When set, only these executables (peer.exe, verified) may answer prompts. */
  answerExecutables: readonly string[] | undefined;
  checkAnswerer: (input: AnswerCheckInput) => AnswerCheck;
  /** The asker's tree recorded when the prompt was raised (asker-trees.ts), if any. */
  askerTree: (promptId: string) => AskerTree | undefined;
  /** Whether the process that opened this connection still runs (peer-presence.ts). */
  peerPresent: () => boolean;
  /** The `api` section of Status. */
  apiStatus: () => Status["api"];
}

export type Handler<M extends MethodName> = (ctx: CallContext, parameters: ParamsOf<M>) => Promise<ReplyOf<M>>;
