// `sockgate run`'s command line: options, then `--`, then the command. Pure: parsing
// only, so the TUI's `sockgate run` can reuse it.

export interface RunOptions {
  /** Run the command as this user (root only): decisions are that user's, prompts reach them. */
  user?: string;
  /** A profile's rules decide first (see profile-file.ts for where NAME is looked up). */
  profile?: string;
  /** io_uring_setup/enter/register fail with EPERM in the command. */
  noIoUring: boolean;
  /** No line on stderr per refused call. */
  quiet: boolean;
  /** One JSON line on stderr at the end: what the native thread answered, and how. */
  stats?: true;
  /** The daemon's API socket (default $SOCKGATE_SOCKET, else /run/sockgate/api.sock). */
  socket?: string;
  command: string[];
}

export type ParsedArgs = { kind: "run"; options: RunOptions } | { kind: "help" } | { kind: "error"; message: string };

export const USAGE = "usage: sockgate run [--user NAME] [--profile NAME] [--no-io-uring] [--quiet] [--stats] [--socket PATH] -- COMMAND [ARGS...]";

export const HELP = `${USAGE}

Starts COMMAND, and everything it starts, under a supervisor that holds each of its
socket(), bind(), connect(), listen(), accept() and sendto()/sendmsg()/sendmmsg() with an
address (IPv4, IPv6 and AF_PACKET) at the system call until sockgated decides: a rule
answers at once, otherwise you are asked in your sockgate UI (the TUI or the CLI, in
another terminal) and the call waits for your answer. A refused call fails with EACCES.
Raw and packet sockets are refused unless a rule allows them. accept() is decided per
listener, at listen(): each peer that connects is then asked by the kernel's inbound
hold, as without sockgate run. An allowed call continues to the kernel, whose hooks
decide again the address it really uses.

  --user NAME     run COMMAND as NAME (root only); NAME's rules and prompts decide
  --profile NAME  rules of ~/.config/sockgate/profiles/NAME.json (or /etc/sockgate/
                  profiles/NAME.json, or NAME if it is a path) decide first, for this run
  --no-io-uring   refuse io_uring_setup/enter/register (EPERM). io_uring operations never
                  meet the supervisor; without this option their connects are decided by
                  the kernel's hooks alone
  --quiet         no line on stderr for each refused call
  --stats         one line on stderr at the end: the calls the supervisor answered, and how
  --socket PATH   the daemon's API socket (default $SOCKGATE_SOCKET, else
                  /run/sockgate/api.sock)

No root needed: your calls are decided with your rules and asked in your UI. COMMAND runs
with no_new_privs: setuid and setcap programs (sudo, su, ping with file capabilities) do
not gain privileges under sockgate run. 32-bit (i386, x32) system calls kill the process.
If sockgate run itself dies, every further held call of COMMAND fails (ENOSYS); none goes
through undecided. Only stdin, stdout and stderr are passed to COMMAND.
The exit status of COMMAND is sockgate run's; a COMMAND killed by a signal ends it by
the same signal. 125: sockgate run failed; 126: COMMAND cannot run; 127: not found.`;

export function parseRunArgs(argv: readonly string[]): ParsedArgs {
  const options: RunOptions = { noIoUring: false, quiet: false, command: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (name: string): string | undefined => {
      const eq = a.indexOf("=");
      if (eq !== -1) return a.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined || v === "") throw new Error(`${name} needs a value`);
      return v;
    };
    try {
      if (a === "--") {
        options.command = argv.slice(i + 1);
        break;
      }
      if (a === "-h" || a === "--help") return { kind: "help" };
      if (a === "--no-io-uring") options.noIoUring = true;
      else if (a === "--quiet" || a === "-q") options.quiet = true;
      else if (a === "--stats") options.stats = true;
      else if (a === "--user" || a.startsWith("--user=")) options.user = value("--user");
      else if (a === "--profile" || a.startsWith("--profile=")) options.profile = value("--profile");
      else if (a === "--socket" || a.startsWith("--socket=")) options.socket = value("--socket");
      else if (a.startsWith("-")) return { kind: "error", message: `unknown option ${a}` };
      else {
        options.command = argv.slice(i);
        break;
      }
    } catch (err) {
      return { kind: "error", message: (err as Error).message };
    }
  }
  if (options.command.length === 0) return { kind: "error", message: "no command given" };
  return { kind: "run", options };
}
