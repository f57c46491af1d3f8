// The methods a connection hands to a handler. Hello, Subscribe, Supervise and Cancel are not here:
// they change the connection itself (connection.ts).

import type { MethodName } from "@sockgate/protocol/client";
import type { Handler } from "./call-context.js";
import { answerPrompt, listPrompts, previewAnswer } from "./handle-prompts.js";
import { addRule, deleteRule, disableRule, enableRule, exportRules, getRule, importRules, listRules, updateRule } from "./handle-rules.js";
import { decideCall } from "./handle-run.js";
import { queryHistory, status } from "./handle-status.js";

export type ConnectionMethod = "Hello" | "Subscribe" | "Supervise" | "Cancel";

export const HANDLERS: { [M in Exclude<MethodName, ConnectionMethod>]: Handler<M> } = {
  Status: status,
  ListPrompts: listPrompts,
  PreviewAnswer: previewAnswer,
  AnswerPrompt: answerPrompt,
  ListRules: listRules,
  GetRule: getRule,
  AddRule: addRule,
  UpdateRule: updateRule,
  DeleteRule: deleteRule,
  EnableRule: enableRule,
  DisableRule: disableRule,
  ExportRules: exportRules,
  ImportRules: importRules,
  QueryHistory: queryHistory,
  DecideCall: decideCall,
};
