// One structured JSON line per event on stdout (journald reads it), with pino. The
// destination is asynchronous (sonic-boom with a buffer): a held flow's answer never waits
// for a write(2). Lines still buffered are flushed synchronously at exit.

import pino from "pino";
import type { Logger } from "pino";
import type { Log } from "../hold/hold-service.js";

export type { Logger };

export interface LoggerHandle {
  logger: Logger;
  /** Writes what is buffered now (at exit, before process.exit). */
  flush(): void;
}

export function createLogger(level: string, fd = 1): LoggerHandle {
  const destination = pino.destination({ dest: fd, sync: false, minLength: 0 });
  const logger = pino(
    {
      level,
      base: { name: "sockgated" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  return {
    logger,
    flush() {
      try {
        destination.flushSync();
      } catch {
        // stdout closed or not yet ready: nothing more can be said
      }
    },
  };
}

/** The hold service's (level, message, fields) shape over a pino logger. */
export function holdLog(logger: Logger): Log {
  const log: Log = (level, message, fields) => logger[level](fields ?? {}, message);
  log.enabled = (level) => logger.isLevelEnabled(level);
  return log;
}

/** JSON-safe copy of a value holding bigints. */
export function jsonSafe<T>(value: T): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
}
