import { describe, expect, it } from "vitest";
import { parseRunArgs } from "./run-args.js";

describe("sockgate run arguments", () => {
  it("takes options, then the command after --, untouched", () => {
    expect(parseRunArgs(["--user", "alice", "--profile=npm", "--no-io-uring", "-q", "--stats", "--", "curl", "--user", "x"])).toEqual({
      kind: "run",
      options: { user: "alice", profile: "npm", noIoUring: true, quiet: true, stats: true, command: ["curl", "--user", "x"] },
    });
  });

  it("takes the first argument that is not an option as the command", () => {
    expect(parseRunArgs(["python3", "-c", "print(1)"])).toMatchObject({ kind: "run", options: { command: ["python3", "-c", "print(1)"], noIoUring: false } });
  });

  it.each([
    [[], "no command given"],
    [["--"], "no command given"],
    [["--user"], "--user needs a value"],
    [["--bogus", "ls"], "unknown option --bogus"],
  ])("refuses %j: %s", (argv, message) => {
    expect(parseRunArgs(argv)).toEqual({ kind: "error", message });
  });

  it("answers --help", () => {
    expect(parseRunArgs(["--help", "--", "ls"])).toEqual({ kind: "help" });
  });
});
