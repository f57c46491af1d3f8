// Host names and domain wildcards. Names compare case-insensitively and without the
// trailing root dot. "*.example.org" covers example.org itself and every name below it:
// people who write it mean "this domain", and DNS apex records are usually the same service.

import { getDomain } from "tldts";

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

/** Lowercase, no trailing dot; undefined when the text is not a DNS name. */
export function normalizeHostName(name: string): string | undefined {
  let n = name.toLowerCase();
  if (n.endsWith(".")) n = n.slice(0, -1);
  if (n.length === 0 || n.length > 253) return undefined;
  for (const label of n.split(".")) if (!LABEL.test(label)) return undefined;
  return n;
}

export type HostPattern = { kind: "exact"; name: string } | { kind: "domain"; domain: string };

/** "www.example.org" or "*.example.org"; undefined when malformed. */
export function parseHostPattern(text: string): HostPattern | undefined {
  if (text.startsWith("*.")) {
    const domain = normalizeHostName(text.slice(2));
    return domain === undefined ? undefined : { kind: "domain", domain };
  }
  const name = normalizeHostName(text);
  return name === undefined ? undefined : { kind: "exact", name };
}

/** True when `name` (normalized) is `domain` or a name below it. */
export function inDomain(name: string, domain: string): boolean {
  return name === domain || (name.length > domain.length && name.endsWith(domain) && name[name.length - domain.length - 1] === ".");
}

/** The name and each parent domain, most specific first: a.b.c -> [a.b.c, b.c, c]. */
export function domainSuffixes(name: string): string[] {
  const out = [name];
  let i = name.indexOf(".");
  while (i >= 0) {
    out.push(name.slice(i + 1));
    i = name.indexOf(".", i + 1);
  }
  return out;
}

/**
 * The domain a "this domain" answer covers: the registrable domain of `name` by the Public
 * Suffix List, private section included (www.example.org -> example.org, a.b.example.co.uk
 * -> example.co.uk, alice.github.io -> alice.github.io), or undefined when `name` has
 * none (it is itself a public suffix such as github.io or co.uk, or a single label): then
 * no wildcard is honest, and the answer covers the name alone.
 */
export function registrableDomain(name: string): string | undefined {
  const d = getDomain(name, { allowPrivateDomains: true, extractHostname: false, validateHostname: false });
  return d === null || d === "" || !inDomain(name, d) ? undefined : d;
}
