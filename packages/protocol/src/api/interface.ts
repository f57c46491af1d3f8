// The one versioned interface sockgated serves over its Unix socket, its method names and
// the transport's constants. A method's full name is the interface plus the short name
// ("io.sockgate.v1.ListRules"); a newer, incompatible interface gets a new name
// ("io.sockgate.v2"), and a client that speaks only that one is told so in one error.

export const API_INTERFACE = "io.sockgate.v1";
export type ApiInterface = typeof API_INTERFACE;

/** Every interface this package (client or server) speaks, newest first. */
export const SUPPORTED_INTERFACES: readonly string[] = [API_INTERFACE];

/** Where the daemon listens unless configured otherwise. */
export const DEFAULT_SOCKET_PATH = "/run/sockgate/api.sock";

/** The largest message (one JSON line, without its newline) the daemon reads; the Hello reply says the one in force. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

export const METHOD_NAMES = [
  "Hello",
  "Status",
  "Subscribe",
  "Cancel",
  "ListPrompts",
  "PreviewAnswer",
  "AnswerPrompt",
  "ListRules",
  "GetRule",
  "AddRule",
  "UpdateRule",
  "DeleteRule",
  "EnableRule",
  "DisableRule",
  "ExportRules",
  "ImportRules",
  "QueryHistory",
  "Supervise",
  "DecideCall",
] as const;
export type MethodName = (typeof METHOD_NAMES)[number];

/** Methods that must be called with `more: true` and answer with replies that say `continues` until they end. */
export const STREAMING_METHODS: readonly MethodName[] = ["Subscribe", "Supervise"];

export function qualifiedName(method: MethodName, iface: string = API_INTERFACE): string {
  return `${iface}.${method}`;
}

/** "io.sockgate.v1.ListRules" -> { iface: "io.sockgate.v1", method: "ListRules" }; undefined when it has no dot. */
export function splitMethod(name: string): { iface: string; method: string } | undefined {
  const dot = name.lastIndexOf(".");
  if (dot <= 0 || dot === name.length - 1) return undefined;
  return { iface: name.slice(0, dot), method: name.slice(dot + 1) };
}

export function isMethodName(name: string): name is MethodName {
  return (METHOD_NAMES as readonly string[]).includes(name);
}
