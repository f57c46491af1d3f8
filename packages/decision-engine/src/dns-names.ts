// Address -> host names, learnt from the DNS answers each application received. Kept per
// application at the granularity rules have (uid, executable identity, exec-time command
// line, app id), so a name one program resolved never labels another program's
// connection: `python3 evil.py` cannot make "evil.example" look like "bank.example" to a
// rule about `python3 backup.py`. A name lives as long as the TTL of its latest answer.

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

/** The application an answer was delivered to: the same fields a Request's app has. */
export type DnsApp = Pick<AppIdentity, "uid" | "exeDev" | "exeIno" | "exeGeneration" | "cmdline" | "cmdlineSource" | "appId">;

/** One DNS answer: a name, the addresses it resolved to, and its TTL in seconds. */
export interface DnsAnswer {
  name: string;
  addresses: readonly string[];
  ttl: number;
}

/** Whose resolver cache an answer belongs to (JSON, so no field can fake another). */
export function dnsAppKey(app: DnsApp): string {
  return JSON.stringify([app.uid, app.exeDev, app.exeIno, app.exeGeneration ?? null, app.cmdline ?? null, app.cmdlineSource ?? null, app.appId ?? null]);
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
   * Record that `app` received `answer` at `now`. The latest answer for a name and address
   * sets its lifetime, shorter or longer than before. Returns false (and records nothing)
   * when the name is not a DNS name, the TTL is not positive or an address is malformed.
   */
  observe(app: DnsApp, answer: DnsAnswer, now: number): boolean {
    const n = normalizeHostName(answer.name);
    if (n === undefined || !(answer.ttl > 0)) return false;
    let keys: string[];
    try {
      keys = answer.addresses.map((a) => addressKey(addressWords(a)));
    } catch {
      return false;
    }
    const appKey = dnsAppKey(app);
    let table = this.apps.get(appKey);
    if (table === undefined) this.apps.set(appKey, (table = new LRUCache({ max: this.perApp })));
    const expiresAt = now + answer.ttl * 1000;
    for (const k of keys) {
      const names = table.get(k) ?? new Map<string, number>();
      names.set(n, expiresAt);
      table.set(k, names);
    }
    return true;
  }

  /** Names `app` resolved to `address` whose TTL has not run out at `now`. */
  namesFor(app: DnsApp, address: string, now: number): string[] {
    const names = this.apps.get(dnsAppKey(app))?.get(addressKey(addressWords(address)));
    if (names === undefined) return [];
    const out: string[] = [];
    for (const [n, exp] of names) {
      if (exp > now) out.push(n);
      else names.delete(n);
    }
    return out;
  }

  forgetApp(app: DnsApp): void {
    this.apps.delete(dnsAppKey(app));
  }
}

/** `request` with remoteHostNames filled from what its own application resolved. */
export function withHostNames(request: Request, map: DnsNameMap, now: number): Request {
  const address = request.remote?.address;
  const op = request.operation;
  if (address === undefined || op === "socket" || op === "bind" || op === "listen") return request;
  return { ...request, remoteHostNames: map.namesFor(request.app, address, now) };
}
