import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig, parseConfig } from "./load.js";
import { CONFIG_SCHEMA } from "./schema.js";

const SCHEMA_FILE = new URL("./config.schema.json", import.meta.url);
const dir = mkdtempSync(join(tmpdir(), "sockgate-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("config", () => {
  it("the committed config.schema.json is the schema in schema.ts (SG_WRITE_SCHEMA=1 rewrites it)", () => {
    if (process.env.SG_WRITE_SCHEMA === "1") writeFileSync(SCHEMA_FILE, `${JSON.stringify(CONFIG_SCHEMA, null, 2)}\n`);
    expect(JSON.parse(readFileSync(SCHEMA_FILE, "utf8"))).toEqual(JSON.parse(JSON.stringify(CONFIG_SCHEMA)));
  });

  it("a missing file is the defaults, each as the README says", () => {
    const c = loadConfig(join(dir, "absent.json"));
    expect(c).toEqual({
      cgroup: null,
      pinDir: "/sys/fs/bpf/sockgate",
      store: { path: "/var/lib/sockgate/sockgate.db", historyMaxRows: 100_000, historyMaxAgeDays: 30 },
      api: { socket: "/run/sockgate/api.sock", adminGroup: "sockgate", answerExecutables: null },
      prompts: { timeoutMs: 60_000, timeoutAction: "deny", nobodyListening: "deny", perAppLimit: 5, windowMs: 60_000, maxPendingPerUser: 50 },
      hold: { namespaces: [], queueNum: 7351 },
      governed: { users: "human", cgroups: ["/sockgate.shell"] },
      dns: { resolvers: null },
      defaultRules: true,
      log: { level: "info", decidedAllows: false },
      countersIntervalMs: 60_000,
    });
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    for (const field of ["cgroup", "pinDir", "store.path", "store.historyMaxRows", "store.historyMaxAgeDays", "api.socket", "api.adminGroup", "api.answerExecutables", "prompts.timeoutMs", "prompts.timeoutAction", "prompts.nobodyListening", "prompts.perAppLimit", "prompts.windowMs", "prompts.maxPendingPerUser", "hold.namespaces", "hold.queueNum", "governed.users", "governed.cgroups", "dns.resolvers", "defaultRules", "log.level", "log.decidedAllows", "countersIntervalMs"]) {
      expect(readme, `README documents ${field}`).toContain(`\`${field}\``);
    }
  });

  it("a file overrides only what it names", () => {
    const path = join(dir, "some.json");
    writeFileSync(path, JSON.stringify({ prompts: { timeoutMs: 5000 }, governed: { users: [1000, "bob"] } }));
    const c = loadConfig(path);
    expect(c.prompts).toMatchObject({ timeoutMs: 5000, timeoutAction: "deny" });
    expect(c.governed).toEqual({ users: [1000, "bob"], cgroups: ["/sockgate.shell"] });
  });

  it.each([
    [{ prompts: { timeoutMs: 0 } }, /field prompts\.timeoutMs expected a number >= 1, found 0/],
    [{ prompts: { nobodyListening: "ask" } }, /field prompts\.nobodyListening expected one of "allow", "deny", found "ask"/],
    [{ api: { socket: 7 } }, /field api\.socket expected string, found 7/],
    [{ governed: { users: "everyone" } }, /field governed\.users expected "human" or a list of uids and user names, found "everyone"/],
    [{ governed: { cgroups: ["relative"] } }, /field governed\.cgroups\[0\] expected an absolute path/],
    [{ promts: {} }, /field promts is not a known setting/],
  ])("%j refuses to start, naming the field", (doc, message) => {
    expect(() => parseConfig(doc, "/etc/sockgate/config.json")).toThrow(message);
    try {
      parseConfig(doc);
    } catch (err) {
      expect((err as { code: string }).code).toBe("SG_ERR_CONFIG_INVALID");
    }
  });

  it("text that is not JSON is refused with the file named", () => {
    const path = join(dir, "bad.json");
    writeFileSync(path, "{ prompts: ");
    expect(() => loadConfig(path)).toThrow(new RegExp(`${path}: expected JSON`));
  });
});
