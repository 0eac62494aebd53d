/**
 * Arachne's own DNS cache. It resolves each host once per record TTL (concurrent lookups of one
 * host share one query), picks the address, and answers two callers with the same pick:
 *
 * - the frontier (`addressFor`), which slots requests on the target IP (`concurrency.perIp`);
 * - undici (`lookup`, passed as `connect.lookup`), which connects to that same address.
 *
 * So the slot and the socket agree (DESIGN.md §4; Scrapy keys per-IP slots on whatever address
 * an earlier connection happened to cache). Node's own `dns.lookup` has no cache and no TTL, and
 * runs on the libuv thread pool: caching here also saves a getaddrinfo per new connection.
 *
 * The default resolver asks for A/AAAA records with their TTL (`dns.resolve4/6`), falling back
 * to `dns.lookup` (hosts file, `localhost`) with `dns.fallbackTtlMs`. Tests inject a resolver.
 */
import { promises as dns, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { LRUCache } from 'lru-cache';
import pLimit from 'p-limit';

export interface DnsAnswer {
  address: string;
  family: 4 | 6;
  /** How long the record may be cached. */
  ttlMs: number;
}

/** Resolves a host name to its addresses (first = preferred). Rejects with a coded Node error (ENOTFOUND...). */
export type Resolve = (host: string) => Promise<DnsAnswer[]>;

export interface DnsCacheOptions {
  /** Default: A/AAAA records with TTLs, else the system resolver. */
  resolve?: Resolve;
  /** The clock (ms) TTLs are measured on. Default `Date.now`. */
  now?: () => number;
  /** Hosts kept. Default 10,000. */
  maxHosts?: number;
  /** TTL floor, so a TTL of 0 does not mean a query per request. Default 1,000 ms. */
  minTtlMs?: number;
  /** TTL ceiling. Default 1 h. */
  maxTtlMs?: number;
  /** How long a failed resolution is remembered. Default 10,000 ms. */
  negativeTtlMs?: number;
  /** Resolutions in flight at once. Default 16. */
  concurrency?: number;
  /**
   * Host name patterns to fixed addresses, never resolved (`download.resolve`, curl's --resolve):
   * a host name, `*.domain` (its subdomains) or `*` (every host), checked by
   * settings/resolve-map.ts. Exact names win, then the longest wildcard, then `*`. Default none.
   */
  pinned?: Record<string, string>;
  /** Called when a resolution ends (success or failure): the frontier wakes the slots parked on it. */
  onResolved?: (host: string) => void;
}

interface Entry {
  address: string | null;
  family: 4 | 6;
  error: NodeJS.ErrnoException | undefined;
  expiresAt: number;
}

/** The fallback TTL for answers from `dns.lookup`, which reports none. */
const LOOKUP_TTL_MS = 60_000;

export const systemResolve: Resolve = async (host) => {
  const [v4, v6] = await Promise.allSettled([dns.resolve4(host, { ttl: true }), dns.resolve6(host, { ttl: true })]);
  const answers: DnsAnswer[] = [];
  if (v4.status === 'fulfilled') for (const r of v4.value) answers.push({ address: r.address, family: 4, ttlMs: r.ttl * 1000 });
  if (v6.status === 'fulfilled') for (const r of v6.value) answers.push({ address: r.address, family: 6, ttlMs: r.ttl * 1000 });
  if (answers.length > 0) return answers;
  // No records from DNS: the hosts file may know it (localhost, test names).
  const found = await dns.lookup(host, { all: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4, ttlMs: LOOKUP_TTL_MS }));
};

/** `[::1]` (a URL's host) to `::1`. */
function bare(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

export class DnsCache {
  readonly #resolve: Resolve;
  readonly #now: () => number;
  readonly #minTtl: number;
  readonly #maxTtl: number;
  readonly #negativeTtl: number;
  readonly #entries: LRUCache<string, Entry>;
  readonly #pending = new Map<string, Promise<Entry>>();
  readonly #limit: ReturnType<typeof pLimit>;
  readonly #pinned: PinnedHosts | undefined;
  onResolved: ((host: string) => void) | undefined;
  /** Resolutions made (cache misses), for stats. */
  queries = 0;

  constructor(options: DnsCacheOptions = {}) {
    this.#resolve = options.resolve ?? systemResolve;
    this.#now = options.now ?? Date.now;
    this.#minTtl = options.minTtlMs ?? 1_000;
    this.#maxTtl = options.maxTtlMs ?? 3_600_000;
    this.#negativeTtl = options.negativeTtlMs ?? 10_000;
    this.#entries = new LRUCache({ max: options.maxHosts ?? 10_000 });
    this.#limit = pLimit(options.concurrency ?? 16);
    this.onResolved = options.onResolved;
    this.#pinned = options.pinned && Object.keys(options.pinned).length > 0 ? new PinnedHosts(options.pinned) : undefined;
  }

  /**
   * The address requests to `host` go to now: `undefined` when unknown or expired (a resolution
   * starts, and `onResolved(host)` is called when it ends), `null` when the last resolution failed.
   */
  addressFor(host: string, now = this.#now()): string | null | undefined {
    const name = bare(host);
    if (isIP(name)) return name;
    const pinned = this.#pinned?.match(name);
    if (pinned) return pinned.address;
    const entry = this.#entries.get(name);
    if (entry && entry.expiresAt > now) return entry.address;
    void this.#lookupEntry(name);
    return undefined;
  }

  /** Resolves (or answers from the cache); rejects with the resolver's coded error. */
  async resolve(host: string): Promise<{ address: string; family: 4 | 6 }> {
    const name = bare(host);
    const family = isIP(name);
    if (family) return { address: name, family: family === 6 ? 6 : 4 };
    const pinned = this.#pinned?.match(name);
    if (pinned) return pinned;
    const entry = await this.#lookupEntry(name);
    if (entry.error || entry.address === null) throw entry.error ?? dnsError(name, 'ENOTFOUND');
    return { address: entry.address, family: entry.family };
  }

  /** A `dns.lookup`-compatible function for undici's `connect.lookup`: the address the slot used. */
  readonly lookup = (
    hostname: string,
    options: LookupOptions | number | ((...args: never[]) => void),
    callback?: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    const cb = (typeof options === 'function' ? options : callback) as NonNullable<typeof callback>;
    const all = typeof options === 'object' && options !== null && options.all === true;
    this.resolve(hostname).then(
      ({ address, family }) => (all ? cb(null, [{ address, family }]) : cb(null, address, family)),
      (error: NodeJS.ErrnoException) => cb(error, all ? [] : ''),
    );
  };

  #lookupEntry(name: string): Promise<Entry> {
    const cached = this.#entries.get(name);
    if (cached && cached.expiresAt > this.#now()) return Promise.resolve(cached);
    let pending = this.#pending.get(name);
    if (!pending) {
      this.queries++;
      pending = this.#limit(() => this.#query(name)).finally(() => {
        this.#pending.delete(name);
        this.onResolved?.(name);
      });
      this.#pending.set(name, pending);
    }
    return pending;
  }

  async #query(name: string): Promise<Entry> {
    let entry: Entry;
    try {
      const answers = await this.#resolve(name);
      const first = answers[0];
      if (!first) throw dnsError(name, 'ENODATA');
      const ttl = Math.min(this.#maxTtl, Math.max(this.#minTtl, first.ttlMs));
      entry = { address: first.address, family: first.family, error: undefined, expiresAt: this.#now() + ttl };
    } catch (error) {
      const err = error instanceof Error ? (error as NodeJS.ErrnoException) : dnsError(name, 'ENOTFOUND');
      entry = { address: null, family: 4, error: err, expiresAt: this.#now() + this.#negativeTtl };
    }
    this.#entries.set(name, entry);
    return entry;
  }
}

/** `download.resolve`'s patterns, matched as SlotRules matches slot patterns, plus `*`. */
class PinnedHosts {
  readonly #exact = new Map<string, { address: string; family: 4 | 6 }>();
  /** [".example.com", answer], longest first. */
  readonly #wildcards: [string, { address: string; family: 4 | 6 }][] = [];
  readonly #any: { address: string; family: 4 | 6 } | undefined;

  constructor(patterns: Record<string, string>) {
    let any: { address: string; family: 4 | 6 } | undefined;
    for (const [pattern, raw] of Object.entries(patterns)) {
      const address = bare(raw);
      const answer = { address, family: isIP(address) === 6 ? (6 as const) : (4 as const) };
      const key = pattern.toLowerCase().replace(/\.$/, '');
      if (key === '*') any = answer;
      else if (key.startsWith('*.')) this.#wildcards.push([key.slice(1), answer]);
      else this.#exact.set(key, answer);
    }
    this.#any = any;
    this.#wildcards.sort((a, b) => b[0].length - a[0].length);
  }

  match(host: string): { address: string; family: 4 | 6 } | undefined {
    const name = host.toLowerCase().replace(/\.$/, '');
    const exact = this.#exact.get(name);
    if (exact) return exact;
    for (const [suffix, answer] of this.#wildcards) if (name.endsWith(suffix)) return answer;
    return this.#any;
  }
}

function dnsError(host: string, code: string): NodeJS.ErrnoException {
  const error = new Error(`${code} ${host}`) as NodeJS.ErrnoException;
  error.code = code;
  return error;
}
