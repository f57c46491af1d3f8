// sockgate rules list|add|rm|enable|disable|export|import.

import { readFileSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import type { ApiClient, OwnerSelector, RuleEntry, RuleInput } from "@sockgate/protocol/client";
import { ownerLabel, ruleSummary } from "../format/rule-summary.js";
import { action } from "./action.js";
import { withClient } from "./connect.js";
import { CliError } from "./exit-codes.js";
import { table } from "./output.js";
import { ruleFromFlags, ruleFromJson } from "./rule-flags.js";
import type { RuleFlags } from "./rule-flags.js";

/** --owner all|mine|system|UID -> the API's selector; undefined: what the caller may see. */
export function ownerSelector(v: string | undefined, uid: () => number): OwnerSelector | undefined {
  if (v === undefined) return undefined;
  if (v === "all") return { kind: "all" };
  if (v === "system") return { kind: "system" };
  if (v === "mine") return { kind: "user", uid: uid() };
  if (/^\d+$/.test(v)) return { kind: "user", uid: Number(v) };
  throw new CliError(`--owner: expected all, mine, system or a uid, got ${JSON.stringify(v)}`);
}

export function rulesText(entries: RuleEntry[], uid: number): string {
  if (entries.length === 0) return "no rules";
  return table(
    ["ID", "OWNER", "ON", "RULE"],
    entries.map((e) => [e.rule.id, ownerLabel(e.rule.owner, uid), e.enabled ? "on" : "off", ruleSummary(e.rule)]),
  );
}

function readInput(path: string): string {
  return readFileSync(path === "-" ? 0 : path, "utf8");
}

export function registerRules(program: Command): void {
  const rules = program.command("rules").description("list, add, remove, enable, disable, export and import rules");

  rules
    .command("list")
    .description("your rules and the system rules (admins: everyone's)")
    .option("--owner <owner>", "all, mine, system, or a uid (admins)")
    .action(
      action(async (g, out, opts: { owner?: string }) => {
        await withClient(g, async (c) => {
          const entries = await c.listRules(ownerSelector(opts.owner, () => c.hello.peer.uid));
          out.result(entries, () => rulesText(entries, c.hello.peer.uid));
        });
      }),
    );

  rules
    .command("add")
    .description("add a rule: sockgate rules add allow --exe /usr/bin/curl --host example.org --port 443")
    .argument("[action]", "allow, deny or ask", "allow")
    .option("--exe <path>", "the program's executable path")
    .option("--exe-glob <glob>", "executable path glob (* within a directory, ** across)")
    .option("--user <user>", "uid or user name (system rules)")
    .option("--op <ops>", "operations, comma-separated: connect,send,accept,bind,listen,socket")
    .option("--proto <protos>", "protocols, comma-separated: tcp,udp,icmp,raw,other")
    .option("--host <hosts>", "host names or *.domain wildcards, comma-separated")
    .option("--addr <addrs>", "addresses or CIDRs, comma-separated")
    .option("--port <ports>", "remote ports or ranges, e.g. 443,8000-8080")
    .option("--local-port <ports>", "local ports (bind, listen, accept)")
    .option("--duration <d>", "forever (default), reboot, or minutes like 15m, 2h")
    .option("--priority <n>", "0-1023, higher wins first")
    .option("--note <text>", "a note kept with the rule")
    .option("--id <id>", "the rule's id (default: a new uuid)")
    .option("--system", "a system rule, for every user (admins only)")
    .option("--disabled", "add it disabled")
    .option("--rule <json>", "the whole rule as JSON (rule schema v1) instead of the flags")
    .option("--file <path>", "read the whole rule as JSON from a file (- for stdin)")
    .action(
      action(async (g, out, act: string, opts: RuleFlags & { disabled?: boolean; rule?: string; file?: string }) => {
        let rule: RuleInput;
        if (opts.rule !== undefined) rule = ruleFromJson(opts.rule, "--rule");
        else if (opts.file !== undefined) rule = ruleFromJson(readInput(opts.file), opts.file);
        else rule = ruleFromFlags(act, opts);
        await withClient(g, async (c) => {
          const entry = await c.addRule(rule, { enabled: !opts.disabled });
          out.result(entry, () => `added ${rulesText([entry], c.hello.peer.uid).split("\n")[1]}`);
        });
      }),
    );

  rules
    .command("rm")
    .description("delete rules by id")
    .argument("<ids...>", "rule ids")
    .action(
      action(async (g, out, ids: string[]) => {
        await withClient(g, async (c) => {
          for (const id of ids) await c.deleteRule(id);
          out.result({ deleted: ids }, () => `deleted ${ids.join(", ")}`);
        });
      }),
    );

  for (const [name, enable] of [
    ["enable", true],
    ["disable", false],
  ] as const) {
    rules
      .command(name)
      .description(enable ? "enable rules (they decide again)" : "disable rules (kept, but decide nothing)")
      .argument("<ids...>", "rule ids")
      .action(
        action(async (g, out, ids: string[]) => {
          await withClient(g, async (c: ApiClient) => {
            const entries: RuleEntry[] = [];
            for (const id of ids) entries.push(enable ? await c.enableRule(id) : await c.disableRule(id));
            out.result(entries, () => rulesText(entries, c.hello.peer.uid));
          });
        }),
      );
  }

  rules
    .command("export")
    .description("your rules (or --owner's) as a sockgate-rules document")
    .option("--owner <owner>", "all, mine, system, or a uid (admins)")
    .option("-o, --output <file>", "write it to a file instead of stdout")
    .action(
      action(async (g, out, opts: { owner?: string; output?: string }) => {
        await withClient(g, async (c) => {
          const doc = await c.exportRules(ownerSelector(opts.owner, () => c.hello.peer.uid));
          const text = JSON.stringify(doc, null, 2);
          if (opts.output === undefined) process.stdout.write(`${text}\n`);
          else {
            writeFileSync(opts.output, `${text}\n`, { mode: 0o600 });
            out.result({ exported: doc.rules.length, file: opts.output }, () => `exported ${doc.rules.length} rules to ${opts.output}`);
          }
        });
      }),
    );

  rules
    .command("import")
    .description("import a sockgate-rules document: merged by id, or --replace to make it the whole set")
    .argument("<file>", "the document (- for stdin)")
    .option("--replace", "remove the owner's rules that the document does not have")
    .option("--system", "the document's rules are system rules (admins only)")
    .action(
      action(async (g, out, file: string, opts: { replace?: boolean; system?: boolean }) => {
        let doc: { format: string; version: number; rules: RuleInput[] };
        try {
          doc = JSON.parse(readInput(file)) as typeof doc;
        } catch (err) {
          throw new CliError(`${file}: not JSON (${(err as Error).message})`);
        }
        await withClient(g, async (c) => {
          const owner = opts.system ? ({ kind: "system" } as const) : undefined;
          const r = await c.importRules(doc, { mode: opts.replace ? "replace" : "merge", ...(owner ? { owner } : {}) });
          out.result(r, () => `imported ${r.imported} rules, removed ${r.removed}`);
        });
      }),
    );
}
