// sockgate: the terminal UI and the CLI for scripts (one binary). See README.md.

import { readFileSync } from "node:fs";
import { runCli } from "./cli/program.js";

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

runCli(process.argv.slice(2), version).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`sockgate: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
