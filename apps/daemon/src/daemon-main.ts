// sockgated: parses the command line, reads the configuration, starts the daemon and
// handles signals (SIGHUP reloads, SIGUSR1 logs the status, SIGTERM/SIGINT stop).

import { existsSync } from "node:fs";
import { removeHoldChains, unloadShim } from "@sockgate/kernel-shim";
import { USAGE, parseDaemonArgs } from "./cli-args.js";
import type { DaemonArgs } from "./cli-args.js";
import { loadConfig } from "./config/load.js";
import { startDaemon } from "./daemon.js";
import { effectiveConfig } from "./effective-config.js";
import { createLogger, jsonSafe } from "./log/logger.js";

async function main(argv: string[]): Promise<number> {
  const { logger: log, flush } = createLogger(process.env.SOCKGATE_LOG_LEVEL ?? "info");
  const fail = (code: number, message: string, fields: object = {}): number => {
    log.error(fields, message);
    flush();
    return code;
  };
  let args: DaemonArgs;
  try {
    args = parseDaemonArgs(argv);
  } catch (err) {
    process.stderr.write(`${USAGE}\n`);
    return fail(2, (err as Error).message);
  }
  let config;
  try {
    config = effectiveConfig(loadConfig(args.config), args);
  } catch (err) {
    const e = err as Error & { code?: string };
    return fail(78, `refusing to start: ${e.message}`, { code: e.code });
  }
  log.level = process.env.SOCKGATE_LOG_LEVEL ?? config.log.level;
  if (args.unload) {
    const removed = unloadShim(config.pinDir);
    // The hold chains name the pinned match program: a rule keeps it (and its queue) alive
    // after the pins go, so they are removed too, in every namespace the daemon holds in.
    const spaces = config.hold.namespaces.length > 0 ? config.hold.namespaces : [undefined];
    const chains: string[] = [];
    for (const netnsPath of spaces) {
      if (netnsPath !== undefined && !existsSync(netnsPath)) continue;
      try {
        removeHoldChains({ netnsPath });
        chains.push(netnsPath ?? "own namespace");
      } catch (err) {
        log.warn({ netnsPath, err: (err as Error).message }, "removing the hold chains failed");
      }
    }
    log.info({ ...removed, chains }, `unloaded: ${removed.links} links detached, ${removed.maps} map pins removed from ${config.pinDir}, hold chains removed in ${chains.join(", ") || "no namespace"}`);
    flush();
    return 0;
  }
  const daemon = await startDaemon(config, args, log);
  process.on("SIGUSR1", () => log.info({ status: jsonSafe(daemon.status()) }, "status"));
  process.on("SIGHUP", () => {
    try {
      daemon.reload(effectiveConfig(loadConfig(args.config), args));
    } catch (err) {
      log.error({ code: (err as { code?: string }).code }, `configuration not reloaded, the old one stays: ${(err as Error).message}`);
    }
  });
  const stop = (signal: string): void => {
    void daemon
      .stop(signal)
      .catch((err: unknown) => log.error({ err: (err as Error).message }, `stopping failed: ${(err as Error).stack ?? String(err)}`))
      .finally(() => {
      flush();
      process.exit(0);
    });
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  return -1;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    const e = err as Error & { code?: string };
    process.stdout.write(`${JSON.stringify({ level: "error", name: "sockgated", msg: `${e.code ? `${e.code}: ` : ""}${e.message}` })}\n`);
    process.exit(1);
  },
);
