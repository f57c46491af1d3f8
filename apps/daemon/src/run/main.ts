// The sockgate-run bin: `sockgate-run [OPTIONS] -- COMMAND [ARGS...]` (see run-main.ts).
import { runMain } from "./run-main.js";

void runMain(process.argv.slice(2));
