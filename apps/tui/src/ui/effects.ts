// What keys ask of the daemon, carried out: each effect calls the API through the link and
// turns the reply, or the API's error, into actions.

import { isApiError } from "@sockgate/protocol/client";
import type { Effect } from "../keys/key-press.js";
import type { DaemonLink } from "../link/daemon-link.js";
import { ruleFromEditor } from "../state/editor.js";
import type { Store } from "../state/store.js";

export interface EffectContext {
  store: Store;
  link: Pick<DaemonLink, "client">;
  quit: () => void;
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export async function runEffect(e: Effect, ctx: EffectContext): Promise<void> {
  const { store } = ctx;
  const dispatch = store.dispatch;
  try {
    switch (e.effect) {
      case "quit":
        ctx.quit();
        return;
      case "answer": {
        try {
          const outcome = await ctx.link.client().answerPrompt(e.promptId, e.answer);
          dispatch({ type: "prompt-settled", promptId: e.promptId, outcome });
        } catch (err) {
          dispatch({ type: "answer-failed", promptId: e.promptId, message: message(err) });
        }
        return;
      }
      case "load-rules":
        dispatch({ type: "rules-loaded", entries: await ctx.link.client().listRules() });
        return;
      case "save-rule": {
        const editor = store.getState().rules.editor;
        if (editor === undefined) return;
        const rule = ruleFromEditor(editor);
        try {
          const client = ctx.link.client();
          const entry = editor.ruleId === undefined ? await client.addRule(rule) : await client.updateRule({ ...rule, id: editor.ruleId });
          dispatch({ type: "rule-changed", entry });
          dispatch({ type: "editor-close" });
          dispatch({ type: "notice", tone: "info", text: `rule ${entry.rule.id} saved` });
        } catch (err) {
          const field = isApiError(err) && typeof err.parameters.field === "string" ? err.parameters.field : undefined;
          dispatch({ type: "editor-error", field, message: message(err) });
        }
        return;
      }
      case "delete-rule":
        await ctx.link.client().deleteRule(e.id);
        dispatch({ type: "rule-removed", id: e.id });
        dispatch({ type: "notice", tone: "info", text: `rule ${e.id} deleted` });
        return;
      case "set-enabled": {
        const client = ctx.link.client();
        const entry = e.enabled ? await client.enableRule(e.id) : await client.disableRule(e.id);
        dispatch({ type: "rule-changed", entry });
        dispatch({ type: "notice", tone: "info", text: `rule ${e.id} ${e.enabled ? "enabled" : "disabled"}` });
        return;
      }
      case "load-history": {
        const { filter } = store.getState().history;
        dispatch({ type: "history-loading" });
        const at = Date.now();
        // A path ("/usr/bin/curl") is asked of the daemon exactly; a word ("curl") is matched here, within the span.
        const exact = filter.exe.startsWith("/") ? filter.exe : undefined;
        const entries = await ctx.link.client().queryHistory({
          since: at - filter.span,
          limit: 5000,
          ...(exact === undefined ? {} : { exe: exact }),
          ...(filter.verdict === "all" ? {} : { verdict: filter.verdict }),
        });
        const exe = exact === undefined ? filter.exe.toLowerCase() : "";
        const host = filter.host.toLowerCase();
        dispatch({
          type: "history-loaded",
          at,
          entries: entries.filter((h) => (exe === "" || h.exe.toLowerCase().includes(exe)) && (host === "" || `${h.host ?? ""} ${h.remoteAddr ?? ""}`.toLowerCase().includes(host))),
        });
        return;
      }
    }
  } catch (err) {
    if (e.effect === "load-history") dispatch({ type: "history-error", message: message(err) });
    else if (e.effect === "load-rules") dispatch({ type: "rules-error", message: message(err) });
    else dispatch({ type: "notice", tone: "error", text: message(err) });
  }
}
