// Rule methods: look the rule up, check the peer may see and write it (authorise.ts), then
// let the backend do the change. Another user's rule looks like no rule at all (NotFound),
// so ids cannot be used to probe what others have.

import { randomUUID } from "node:crypto";
import { ApiError } from "@sockgate/protocol/client";
import type { Owner, RuleEntry } from "@sockgate/protocol/client";
import { canSeeRulesOf, describeOwner, exportOwners, listOwners, requireWrite } from "./authorise.js";
import type { CallContext, Handler } from "./call-context.js";

function sameOwner(a: Owner, b: Owner): boolean {
  return a.kind === b.kind && (a.kind === "system" || a.uid === (b as { uid: number }).uid);
}

/** The rule `id` if the peer may see it; NotFound otherwise. */
async function visibleRule(ctx: CallContext, id: string): Promise<RuleEntry> {
  const entry = await ctx.backend.getRule(id);
  if (entry === undefined || !canSeeRulesOf(ctx.peer, entry.rule.owner)) {
    throw new ApiError("io.sockgate.NotFound", `no rule ${JSON.stringify(id)} that uid ${ctx.peer.uid} can see`);
  }
  return entry;
}

/** The rule `id` if the peer may change it. */
async function writableRule(ctx: CallContext, id: string, what: string): Promise<RuleEntry> {
  const entry = await visibleRule(ctx, id);
  requireWrite(ctx.peer, entry.rule.owner, what);
  return entry;
}

export const listRules: Handler<"ListRules"> = async (ctx, p) => {
  const owners = listOwners(ctx.peer, p.owner);
  const rules = await ctx.backend.listRules(ctx.peer, owners);
  // The backend was asked for these owners only; this keeps a backend slip from leaking.
  return { rules: rules.filter((e) => canSeeRulesOf(ctx.peer, e.rule.owner)) };
};

export const getRule: Handler<"GetRule"> = async (ctx, p) => ({ rule: await visibleRule(ctx, p.id) });

export const addRule: Handler<"AddRule"> = async (ctx, p) => {
  const owner = p.rule.owner ?? { kind: "user", uid: ctx.peer.uid };
  requireWrite(ctx.peer, owner, "add");
  const id = p.rule.id ?? randomUUID();
  // Taken by anyone: say so without saying whose.
  if ((await ctx.backend.getRule(id)) !== undefined) throw new ApiError("io.sockgate.Conflict", `rule id ${JSON.stringify(id)} is taken; choose another or leave id out`);
  return { rule: await ctx.backend.addRule(ctx.peer, { ...p.rule, id, owner }, p.enabled ?? true) };
};

export const updateRule: Handler<"UpdateRule"> = async (ctx, p) => {
  const existing = await writableRule(ctx, p.rule.id, "change");
  const owner = p.rule.owner ?? existing.rule.owner;
  if (!sameOwner(owner, existing.rule.owner)) {
    throw new ApiError("io.sockgate.Conflict", `rule ${JSON.stringify(p.rule.id)} belongs to ${describeOwner(existing.rule.owner)}; a rule keeps its owner (add a new rule instead)`);
  }
  return { rule: await ctx.backend.updateRule(ctx.peer, { ...p.rule, owner }) };
};

export const deleteRule: Handler<"DeleteRule"> = async (ctx, p) => {
  await writableRule(ctx, p.id, "delete");
  await ctx.backend.deleteRule(ctx.peer, p.id);
  return {};
};

async function setEnabled(ctx: CallContext, id: string, enabled: boolean): Promise<{ rule: RuleEntry }> {
  await writableRule(ctx, id, enabled ? "enable" : "disable");
  return { rule: await ctx.backend.setRuleEnabled(ctx.peer, id, enabled) };
}
export const enableRule: Handler<"EnableRule"> = (ctx, p) => setEnabled(ctx, p.id, true);
export const disableRule: Handler<"DisableRule"> = (ctx, p) => setEnabled(ctx, p.id, false);

export const exportRules: Handler<"ExportRules"> = async (ctx, p) => {
  const owners = exportOwners(ctx.peer, p.owner);
  const document = await ctx.backend.exportRules(ctx.peer, owners);
  return { document: { ...document, rules: document.rules.filter((r) => canSeeRulesOf(ctx.peer, r.owner)) } };
};

export const importRules: Handler<"ImportRules"> = async (ctx, p) => {
  const owner = p.owner ?? { kind: "user", uid: ctx.peer.uid };
  requireWrite(ctx.peer, owner, "import");
  p.document.rules.forEach((rule, i) => {
    if (!sameOwner(rule.owner!, owner)) {
      throw new ApiError(
        "io.sockgate.PermissionDenied",
        `document.rules[${i}] belongs to ${describeOwner(rule.owner!)}, but this import is for ${describeOwner(owner)}; nothing was written`,
      );
    }
  });
  return ctx.backend.importRules(ctx.peer, p.document, { mode: p.mode ?? "merge", owner });
};
