// The one error type every sockgate package throws across its API. Codes are stable:
// callers branch on `code`, people read `message`. Add new codes here, never reuse one.

export const ERROR_CODES = [
  /** Input ends before the length its header (or an attribute header) announces. */
  "SG_ERR_TRUNCATED",
  /** A message header length is impossible (smaller than the header itself). */
  "SG_ERR_BAD_LENGTH",
  /** An attribute's nla_len is below 4 or does not match its type's payload size. */
  "SG_ERR_BAD_ATTR_LEN",
  /** The same known attribute appears twice in one record. */
  "SG_ERR_DUPLICATE_ATTR",
  /** A record's version is 0 or does not fit the field. */
  "SG_ERR_BAD_VERSION",
  /** A record's message type is not the one the decoder reads. */
  "SG_ERR_BAD_MSG_TYPE",
  /** A required attribute is absent. */
  "SG_ERR_MISSING_ATTR",
  /** A number is not one of its enum's values (op, proto, hook, verdict, reason, family). */
  "SG_ERR_BAD_ENUM",
  /** A string attribute lacks its NUL terminator. */
  "SG_ERR_BAD_STRING",
  /** A field's value is out of range, of the wrong type, or does not fit its slot. */
  "SG_ERR_BAD_VALUE",
  /** Text or bytes that are not an IPv4/IPv6 address. */
  "SG_ERR_BAD_ADDRESS",
  /** The buffer given to encode() cannot hold the encoding at that offset. */
  "SG_ERR_BUFFER_TOO_SMALL",
  /** The store's database cannot be opened, is not a sockgate store, or its options are invalid. */
  "SG_ERR_STORE_OPEN",
  /** The store's schema is newer than this code, or a migration failed (and was rolled back). */
  "SG_ERR_STORE_SCHEMA",
  /** A store read or write failed in SQLite (I/O error, disk full, busy, corrupt row). */
  "SG_ERR_STORE_IO",
  /** The store was used after close(). */
  "SG_ERR_STORE_CLOSED",
  /** A write would move an existing rule to another owner. */
  "SG_ERR_STORE_CONFLICT",
  /** An import document is not valid JSON, not a store export, or holds an invalid rule; nothing was written. */
  "SG_ERR_STORE_IMPORT",
  /** A rule does not follow the rule schema or holds an impossible value (the message names the field). */
  "SG_ERR_RULE_INVALID",
  /** A list's text has a line that is not an entry of the list's format. */
  "SG_ERR_LIST_INVALID",
  /** A rule names a list that was not loaded. */
  "SG_ERR_LIST_UNKNOWN",
  /** An answer names a prompt that is not pending (answered, timed out, or never raised). */
  "SG_ERR_PROMPT_UNKNOWN",
  /** A user answered a prompt raised for another user's process. */
  "SG_ERR_PROMPT_FORBIDDEN",
  /** An answer's action, scope or duration cannot become a rule for the prompt it answers. */
  "SG_ERR_ANSWER_INVALID",
  /** A user's store view was asked to write or remove a rule that is not that user's. */
  "SG_ERR_STORE_FORBIDDEN",
  /** The kernel shim's native addon is not built (run the package build) or failed to load. */
  "SG_ERR_SHIM_ADDON",
  /** The shim's pin directory is not on a BPF filesystem (mount bpffs on /sys/fs/bpf). */
  "SG_ERR_SHIM_NO_BPFFS",
  /** The BPF object failed to load: the verifier or libbpf refused it (the message quotes libbpf's log). */
  "SG_ERR_SHIM_LOAD",
  /** A BPF program could not be attached to the cgroup, or its link could not be pinned. */
  "SG_ERR_SHIM_ATTACH",
  /** Any other system call of the shim failed (open, adopt, update, read, events, stats, detach); see errno, syscall, step. */
  "SG_ERR_SHIM_SYSCALL",
  /** The shim's pinned links are attached to another cgroup than the one requested. */
  "SG_ERR_PIN_CGROUP_MISMATCH",
  /** The kernel verdict map is full: the verdict was not stored, the unknown policy applies. */
  "SG_ERR_VERDICT_MAP_FULL",
  /** A shim method was called after close(). */
  "SG_ERR_SHIM_CLOSED",
  /** sockgate's iptables chains could not be written or removed (the message quotes iptables). */
  "SG_ERR_HOLD_CHAINS",
  /** The NFQUEUE reader failed: the queue could not be bound (another reader?) or the kernel refused a message. */
  "SG_ERR_HOLD_QUEUE",
  /** The daemon's configuration file is unreadable, not JSON, or breaks its schema (the message names the field). */
  "SG_ERR_CONFIG_INVALID",
  /** Another shim (this process or another) has the pin directory open: one ring buffer has one reader. */
  "SG_ERR_SHIM_LOCKED",
  /** Pinned maps of another version could not be moved to this version's definitions (nothing was swapped: the pinned shim keeps enforcing). */
  "SG_ERR_SHIM_MIGRATE",
  /** The running kernel lacks something the shim cannot work without; the message names it. */
  "SG_ERR_KERNEL_FEATURE",
] as const;

export type SockgateErrorCode = (typeof ERROR_CODES)[number];

// The brand is a registered symbol, so it is the same in every copy of this package: an
// application that ends up with two copies of @sockgate/protocol (one under the engine, one
// under the store) still recognises every SockgateError. `instanceof` uses it as well.
const BRAND: unique symbol = Symbol.for("@sockgate/protocol.SockgateError");

export class SockgateError extends Error {
  readonly code: SockgateErrorCode;
  declare readonly [BRAND]: true;

  constructor(code: SockgateErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SockgateError";
    this.code = code;
    Object.defineProperty(this, BRAND, { value: true });
  }

  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

/** True when `err` is a SockgateError (from any copy of this package), optionally with the given code. */
export function isSockgateError(err: unknown, code?: SockgateErrorCode): err is SockgateError {
  return err instanceof SockgateError && (code === undefined || err.code === code);
}
