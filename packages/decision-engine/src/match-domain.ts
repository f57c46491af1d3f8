// Host names and domain wildcards. Names compare case-insensitively and without the
// trailing root dot. "*.example.org" covers example.org itself and every name below it:
// people who write it mean "this domain", and DNS apex records are usually the same service.

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
 * The domain a "this domain" answer should cover: the name without its first label when
 * it has three or more labels (www.example.org -> example.org), else the name itself.
 * A heuristic: without the public suffix list, foo.co.uk stays foo.co.uk.
 */
export function parentDomainForScope(name: string): string {
  const labels = name.split(".");
  return labels.length >= 3 ? labels.slice(1).join(".") : name;
}
