/**
 * When the cluster frontier sends a tick (one round trip to Redis): at once when asked and none
 * is running, again right after one that left news behind, within `COMPLETE_WAIT_MS` for
 * completions alone, and otherwise on the idle timer (a poll, a heartbeat, or a retry's backoff).
 * What a tick carries and what its reply does are the cluster frontier's (./cluster-frontier.ts).
 */

/**
 * A completion waits at most this long for a tick to ride with: it only lets Redis forget a
 * request (and the crawl end), so it never needs a round trip of its own while others are due.
 */
const COMPLETE_WAIT_MS = 10;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface TickerHooks {
  /** One tick: a round trip to Redis. */
  tick(): Promise<void>;
  /** The last tick failed: the next waits for the idle timer (the backoff). */
  failing(): boolean;
  /** News to send at once. */
  urgent(): boolean;
  /** When the next tick is due if nothing asks for one (ms); undefined for none. */
  idleDelayMs(): number | undefined;
  /** Completions are waiting to be sent. */
  completesWaiting(): boolean;
}

export class Ticker {
  readonly #hooks: TickerHooks;
  /** Between `start()` (joined) and `stop()`: kicks run ticks. */
  #on = false;
  #running = false;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  /** The tick that carries completions nothing else sent. */
  #soonTimer: NodeJS.Timeout | undefined;

  constructor(hooks: TickerHooks) {
    this.#hooks = hooks;
  }

  start(): void {
    this.#on = true;
  }

  /** The running tick found reason to go once more (a wake-up it may have missed). */
  again(): void {
    this.#again = true;
  }

  /** A tick now, or right after the running one. */
  kick(): void {
    if (!this.#on) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    // This tick carries the waiting completions.
    clearTimeout(this.#soonTimer);
    this.#soonTimer = undefined;
    // A timer, not setImmediate: the engine parses a response in the check phase after its
    // download ended (a setImmediate), so a tick started in the next turn's timers phase carries
    // the unit the download freed together with the requests and the completion the parse made,
    // one round trip instead of two (measured: 1.15 -> 0.52 round trips per request, one process, `npm run bench:cluster`).
    setTimeout(() => void this.#loop(), 1);
  }

  /** A tick within `COMPLETE_WAIT_MS`, unless one goes sooner. */
  kickSoon(): void {
    if (!this.#on || this.#running || this.#soonTimer) return;
    this.#soonTimer = setTimeout(() => {
      this.#soonTimer = undefined;
      this.kick();
    }, COMPLETE_WAIT_MS);
  }

  /** No more ticks from here; waits up to `maxWaitMs` for the running one to answer. */
  async stop(maxWaitMs: number): Promise<void> {
    clearTimeout(this.#timer);
    clearTimeout(this.#soonTimer);
    for (let waited = 0; this.#running && waited < maxWaitMs; waited += 5) await sleep(5);
    this.#on = false;
    clearTimeout(this.#timer);
  }

  async #loop(): Promise<void> {
    try {
      do {
        this.#again = false;
        if (!this.#on) return;
        await this.#hooks.tick();
        // A failed tick waits for the idle timer's backoff; otherwise keep going while there is news.
      } while (this.#on && !this.#hooks.failing() && (this.#again || this.#hooks.urgent()));
    } finally {
      this.#running = false;
      this.#arm();
      if (this.#hooks.completesWaiting()) this.kickSoon();
    }
  }

  #arm(): void {
    if (!this.#on) return;
    const delay = this.#hooks.idleDelayMs();
    if (delay === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.kick(), delay);
  }
}
