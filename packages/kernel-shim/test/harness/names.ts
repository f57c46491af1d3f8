import { realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let counter = 0;

/** Every name a test run creates starts with this prefix, so leftovers are easy to find. */
export const TEST_PREFIX = `sgtest-${process.pid}-`;
/** Network namespaces use a shorter prefix (the "sgt-"). */
export const NETNS_PREFIX = `sgt-${process.pid}-`;

export function nextIndex(): number {
  counter += 1;
  return counter;
}

export function uniqueName(prefix = TEST_PREFIX): string {
  return `${prefix}${nextIndex()}`;
}

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Resolved (realpath) location of a compiled client, e.g. clientPath("sgclient"). */
export function clientPath(name: "sgclient" | "sgbench" | "sghold" | "sguring" | "sgargv" | "sgmasq"): string {
  return realpathSync(join(packageRoot, "build", "clients", name));
}

export function packagePath(...parts: string[]): string {
  return join(packageRoot, ...parts);
}
