// Writes schema/io.sockgate.v1.json from the built interface description (dist/client.js),
// the committed copy that non-TypeScript clients read; src/api/schema.test.ts fails when it is stale.
import { writeFileSync } from "node:fs";
import { URL } from "node:url";
import { API_DESCRIPTION } from "../dist/client.js";

const out = new URL("../schema/io.sockgate.v1.json", import.meta.url);
writeFileSync(out, `${JSON.stringify(API_DESCRIPTION, null, 2)}\n`);
console.log(`wrote ${out.pathname}`);
