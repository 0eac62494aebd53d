import type { OriginDispatcher } from './client-pool.js';

/** One origin's keep-alive pool, with the fetches using it now. */
export interface OriginPool {
  readonly origin: string;
  readonly pool: OriginDispatcher;
  /** Fetches between `acquire` and `release`: a pool with any is never closed. */
  active: number;
  /** Used since the eviction hand last passed: the pool gets a second chance. */
  used: boolean;
}

/**
 * The direct connections: one undici pool per origin, as undici's `Agent` keeps them, but
 * bounded. The `Agent` closes an origin's pool only once all its sockets have closed, and a
 * kept-alive socket lives as long as the server's `Keep-Alive` hint (60 s from Node's server): a
 * broad crawl held a pool, a socket and a file descriptor for every host it had met (5,000 hosts:
 * 5,000 sockets open at the end, RSS 335 MB against 163 MB for one domain; 100,000 hosts would
 * pass a 20,000 descriptor limit).
 *
 * Here, past `maxIdle` pools, creating one closes a pool nobody uses, least recently used first
 * (a clock: each pool used since the hand last passed gets a second chance), so a broad crawl
 * keeps the `maxIdle` most recent hosts' sockets warm and frees the rest. A pool with a fetch in
 * flight is never closed; the few that are (global concurrency bounds them) may take the count
 * above `maxIdle` for a while.
 *
 * Idle pools are destroyed with one shared error rather than closed: undici's `close()` makes a
 * `ClientDestroyedError` per client (two per undici Pool) and Node formats the stack of the one
 * each socket is destroyed with (through source maps under tsx): 190 us per pool, measured by
 * `--cpu-prof` over 5,000 hosts. With nothing queued, destroying is closing.
 */
export class OriginPools {
  readonly #pools = new Map<string, OriginPool>();
  readonly #create: (origin: string) => OriginDispatcher;
  readonly #maxIdle: number;
  readonly #closedError: () => Error;
  /** Pools closed to make room, for stats and tests. */
  evicted = 0;

  constructor(create: (origin: string) => OriginDispatcher, maxIdle: number, closedError: () => Error) {
    this.#create = create;
    this.#maxIdle = Math.max(1, maxIdle);
    this.#closedError = closedError;
  }

  /** Pools open now. */
  get size(): number {
    return this.#pools.size;
  }

  /** The pool of `origin` (made on first use), counted busy until `release`. */
  acquire(origin: string): OriginPool {
    let entry = this.#pools.get(origin);
    if (entry === undefined) {
      if (this.#pools.size >= this.#maxIdle) this.#evict();
      entry = { origin, pool: this.#create(origin), active: 0, used: false };
      this.#pools.set(origin, entry);
    }
    entry.active++;
    entry.used = true;
    return entry;
  }

  release(entry: OriginPool): void {
    entry.active--;
  }

  /** Closes every pool: idle ones at once, busy ones once their requests finish. */
  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((entry) => (entry.active > 0 ? entry.pool.close() : this.#destroy(entry))));
  }

  /** Closes one idle pool, least recently used first; none when every pool is busy. */
  #evict(): void {
    // Each pass moves a used or busy pool to the back; two passes over the map find an idle one
    // unless every pool is busy.
    let budget = this.#pools.size * 2;
    for (const [origin, entry] of this.#pools) {
      if (budget-- <= 0) return;
      this.#pools.delete(origin);
      if (entry.active > 0 || entry.used) {
        entry.used = false;
        this.#pools.set(origin, entry);
        continue;
      }
      this.evicted++;
      void this.#destroy(entry);
      return;
    }
  }

  #destroy(entry: OriginPool): Promise<void> {
    return entry.pool.destroy(this.#closedError()).catch(() => undefined);
  }
}
