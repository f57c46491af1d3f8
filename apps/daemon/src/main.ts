// sockgated's entry: the V8 and glibc settings its memory budget was measured with
// (node-tuning.ts), then the daemon (daemon-main.ts).

import { reexecTuned } from "./node-tuning.js";

if (!reexecTuned()) await import("./daemon-main.js");
