// The shapes the store persists. The store does not know a rule's fields beyond `id` and
// `owner`: the rest is whatever the injected validator (the decision-engine's parseRule)
// accepts, so a schema change in the engine needs no store migration.

/** Who a rule belongs to: a user's rules apply to that user's processes only. */
export type Owner = { kind: "user"; uid: number } | { kind: "system" };

/** Which rules `list` and `exportJson` return. */
export type OwnerFilter = Owner | { kind: "all" };

/** The part of a rule the store relies on. */
export interface StorableRule {
  id: string;
  owner: Owner;
}

/**
 * Turns untrusted JSON into a rule or throws (a SockgateError with code SG_ERR_RULE_INVALID
 * naming the field). `parseRule` from @sockgate/decision-engine has this shape.
 */
export type RuleValidator<R extends StorableRule> = (json: unknown) => R;

/** Milliseconds since the Unix epoch; injected so tests can move time. */
export type Clock = () => number;
