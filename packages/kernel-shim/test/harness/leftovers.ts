import { existsSync, readdirSync } from "node:fs";
import { createdCgroupIds, cgroup2Mount } from "./cgroup.js";
import { run } from "./exec.js";
import { NETNS_PREFIX, TEST_PREFIX } from "./names.js";

interface LinkInfo {
  id: number;
  type: string;
  cgroup_id?: number;
}

/**
 * Everything this test process created that still exists: network namespaces,
 * bpffs pins, cgroups, and BPF links still bound to one of its cgroups (a pinned or
 * leaked link outlives the cgroup directory, so links are matched by cgroup id).
 */
export function findLeftovers(prefixes: string[] = [TEST_PREFIX, NETNS_PREFIX]): string[] {
  const found: string[] = [];
  const mine = (name: string): boolean => prefixes.some((p) => name.startsWith(p));
  for (const ns of run("ip", ["netns", "list"]).split("\n")) {
    const name = ns.split(" ")[0] ?? "";
    if (name && mine(name)) found.push(`netns ${name}`);
  }
  if (existsSync("/sys/fs/bpf")) {
    for (const pin of readdirSync("/sys/fs/bpf")) if (mine(pin)) found.push(`bpffs pin /sys/fs/bpf/${pin}`);
  }
  const mount = cgroup2Mount();
  for (const dir of readdirSync(mount)) if (mine(dir)) found.push(`cgroup ${mount}/${dir}`);
  for (const line of run("bpftool", ["cgroup", "tree", mount]).split("\n")) {
    if (prefixes.some((p) => line.includes(`/${p}`))) found.push(`bpftool cgroup tree: ${line.trim()}`);
  }
  // hold tests install chains only inside their own namespaces: none may reach this one
  for (const tool of ["iptables", "ip6tables"]) {
    for (const table of ["raw", "filter"]) {
      const rules = run(tool, ["-w", "-t", table, "-S"]);
      if (/SOCKGATE-(HOLD|REJECT)/.test(rules)) found.push(`${tool} -t ${table}: sockgate chains in the test process's own namespace`);
    }
  }
  const links = JSON.parse(run("bpftool", ["link", "show", "-j"]) || "[]") as LinkInfo[];
  for (const link of links) {
    if (link.cgroup_id !== undefined && createdCgroupIds.has(BigInt(link.cgroup_id))) {
      found.push(`bpf link ${link.id} (${link.type}) still bound to test cgroup id ${link.cgroup_id}`);
    }
  }
  return found;
}

export function assertNoLeftovers(prefixes?: string[]): void {
  const found = findLeftovers(prefixes);
  if (found.length > 0) throw new Error(`test resources left behind:\n  ${found.join("\n  ")}`);
}
