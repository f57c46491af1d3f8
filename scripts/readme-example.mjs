// Runs a package's README example the way a third party would: `pnpm pack` the package
// (and the sockgate packages it needs), unpack the tarballs into node_modules of an empty
// project outside the repo, and run the example with node. Offline: the packages'
// third-party dependencies are linked from the repo's own install rather than fetched.
// Used by each package's readme-example.test.ts, so `./sockgate test` runs every example.

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

/** The first ```js block after the README's "## Example" heading. */
export function readmeExample(readmePath) {
  const text = readFileSync(readmePath, "utf8");
  const m = /^## Example\b[^\n]*\n[\s\S]*?^```(?:js|javascript|mjs)\n([\s\S]*?)^```/m.exec(text);
  if (m === null) throw new Error(`${readmePath}: no \`\`\`js block under "## Example"`);
  return m[1];
}

function pnpm(args, cwd) {
  // Under `pnpm test`, npm_execpath is pnpm itself; otherwise pnpm from PATH.
  const exec = process.env.npm_execpath;
  const [cmd, pre] = exec && /pnpm/.test(exec) ? [process.execPath, [exec]] : ["pnpm", []];
  return execFileSync(cmd, [...pre, ...args], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/**
 * The Node binaries a pure-JavaScript package's example runs on: this one (24) and the
 * oldest the libraries support (22, installed by scripts/bootstrap.sh). Missing Node 22 is
 * an error, not a skip.
 */
export function supportedNodes() {
  const node22 = join(dirname(fileURLToPath(import.meta.url)), "..", ".toolchain", "bin", "node22");
  let version;
  try {
    version = execFileSync(node22, ["--version"], { encoding: "utf8" }).trim();
  } catch (err) {
    throw new Error(`Node 22 is missing at ${node22} (${err.message.split("\n")[0]}): run scripts/bootstrap.sh`);
  }
  if (!version.startsWith("v22.")) throw new Error(`${node22} is ${version}, expected Node 22`);
  return [process.execPath, node22];
}

/**
 * Packs `packageDirs` (the package under test last), installs the tarballs into a fresh
 * project and runs `packageDirs.at(-1)`'s README example there with each of `nodes`
 * (default: the node running this). Returns { stdout per node, manifests }.
 */
export function runReadmeExample(packageDirs, { nodes = [process.execPath], timeoutMs = 60_000 } = {}) {
  const root = mkdtempSync(join(tmpdir(), "sockgate-readme-"));
  try {
    const tarballs = join(root, "tarballs");
    const project = join(root, "project");
    mkdirSync(tarballs);
    mkdirSync(join(project, "node_modules"), { recursive: true });
    const manifests = {};
    for (const dir of packageDirs) {
      const before = new Set(readdirSync(tarballs));
      pnpm(["pack", "--pack-destination", tarballs], dir);
      const tgz = readdirSync(tarballs).find((f) => !before.has(f));
      if (tgz === undefined) throw new Error(`pnpm pack in ${dir} wrote no tarball`);
      const manifest = JSON.parse(execFileSync("tar", ["-xzOf", join(tarballs, tgz), "package/package.json"], { encoding: "utf8" }));
      const into = join(project, "node_modules", ...manifest.name.split("/"));
      mkdirSync(into, { recursive: true });
      execFileSync("tar", ["-xzf", join(tarballs, tgz), "-C", into, "--strip-components=1"]);
      manifests[manifest.name] = manifest;
      // Third-party dependencies come from the repo's install of this package.
      for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies })) {
        if (dep.startsWith("@sockgate/")) continue;
        const link = join(project, "node_modules", ...dep.split("/"));
        mkdirSync(dirname(link), { recursive: true });
        try {
          symlinkSync(realpathSync(join(dir, "node_modules", dep)), link);
        } catch (err) {
          if (err.code !== "EEXIST") throw err;
        }
      }
    }
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "readme-example", private: true, type: "module" }));
    const main = packageDirs.at(-1);
    writeFileSync(join(project, "example.mjs"), readmeExample(join(main, "README.md")));
    // each Node in a directory of its own: what one run writes (a database) is not the next one's
    const stdout = nodes.map((node, i) => {
      const cwd = join(root, `run-${i}`);
      mkdirSync(cwd);
      symlinkSync(join(project, "node_modules"), join(cwd, "node_modules"));
      for (const f of ["package.json", "example.mjs"]) writeFileSync(join(cwd, f), readFileSync(join(project, f)));
      return execFileSync(node, ["example.mjs"], { cwd, encoding: "utf8", timeout: timeoutMs, stdio: ["ignore", "pipe", "pipe"] });
    });
    return { stdout, manifests };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
