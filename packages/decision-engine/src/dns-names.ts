// Address -> host names, learnt from the DNS answers each application received. Kept per
// application (uid + executable inode), so a name one program resolved never labels
// another program's connection: a program cannot make "evil.example" look like
// "bank.example" to a rule about someone else. Entries live exactly as long as their TTL.

import { LRUCache } from "lru-cache";
import type { AppIdentity, Request } from "@sockgate/protocol";
import { addressKey, addressWords } from "./match-address.js";
import { normalizeHostName } from "./match-domain.js";

export interface DnsNameMapOptions {
  /** Applications remembered (least recently used forgotten first). Default 1024. */
  maxApps?: number;
  /** Addresses remembered per application. Default 4096. */
  maxAddressesPerApp?: number;
}

/** Whose resolver cache an answer belongs to. */
export function dnsAppKey(app: Pick<AppIdentity, "uid" | "exeDev" | "exeIno">): string {
  return `${app.uid}:${app.exeDev}:${app.exeIno}`;
}

type Names = Map<string, number>; // name -> expiresAt (ms)

export class DnsNameMap {
  private readonly apps: LRUCache<string, LRUCache<string, Names>>;
  private readonly perApp: number;

  constructor(options: DnsNameMapOptions = {}) {
    this.apps = new LRUCache({ max: options.maxApps ?? 1024 });
    this.perApp = options.maxAddressesPerApp ?? 4096;
  }

  /**
   * Record that `app` resolved `name` to `addresses` with `ttlSeconds`. Returns false (and
   * records nothing) when `name` is not a DNS name.
   */
  observe(app: string, name: string, addresses: readonly string[], ttlSeconds: number, now: number): boolean {
    const n = normalizeHostName(name);
    if (n === undefined || !(ttlSeconds > 0)) return false;
    let table = this.apps.get(app);
    if (table === undefined) this.apps.set(app, (table = new LRUCache({ max: this.perApp })));
    const expiresAt = now + ttlSeconds * 1000;
    for (const a of addresses) {
      const k = addressKey(addressWords(a));
      const names = table.get(k) ?? new Map<string, number>();
      names.set(n, Math.max(expiresAt, names.get(n) ?? 0));
      table.set(k, names);
    }
    return true;
  }

  /** Names `app` resolved to `address` whose TTL has not run out at `now`. */
  namesFor(app: string, address: string, now: number): string[] {
    const names = this.apps.get(app)?.get(addressKey(addressWords(address)));
    if (names === undefined) return [];
    const out: string[] = [];
    for (const [n, exp] of names) {
      if (exp > now) out.push(n);
      else names.delete(n);
    }
    return out;
  }

  forgetApp(app: string): void {
    this.apps.delete(app);
  }
}

/** `request` with remoteHostNames filled from what its own application resolved. */
export function withHostNames(request: Request, map: DnsNameMap, now: number): Request {
  const address = request.remote?.address;
  if (address === undefined) return request;
  return { ...request, remoteHostNames: map.namesFor(dnsAppKey(request.app), address, now) };
}
