/**
 * What the scheduler asks of a persistent job store (DESIGN.md §4: "the frontier can live on
 * disk"). The SQLite store implements it; a Redis one can later.
 *
 * Semantics are at-least-once: a request is recorded when it is queued and forgotten only after
 * `done()`, i.e. after its response was processed, the requests it yielded were recorded and its
 * items reached the feeds. A process killed at any moment loses no request; on resume every
 * recorded request is queued again.
 */
import type { Request } from '../../http/request.js';
import type { SeenSet } from '../seen-set.js';

/** A stored request handed back to the in-memory frontier. */
export interface StoredRequest {
  id: number;
  slot: string;
  request: Request;
}

/** How far `spider.start()` got: a resume skips what was already pulled. */
export interface StartProgress {
  /** `start()` was exhausted: a resume does not run it again. */
  done: boolean;
  /** Values pulled from `start()` so far (valid or not): a resume skips this many. */
  pulled: number;
}

/** Where `spider.start()`'s progress is kept, so a resume (or another process) skips what was pulled. */
export interface StartLedger {
  readonly start: StartProgress;
  /** Records start progress; saved with the requests it yielded. */
  recordStart(progress: StartProgress): void;
}

export interface JobStore extends StartLedger {
  /** The seen set, kept in the store (fixed-size fingerprints). */
  readonly seen: SeenSet;
  /** Requests recorded and not held by the in-memory frontier. */
  readonly stored: number;
  /** Whether the store held a job already when opened (a resume). */
  readonly resumed: boolean;
  /** Records a queued request; `inMemory` says the frontier holds it too. Returns its id. */
  add(request: Request, slot: string, inMemory: boolean): number;
  /**
   * Takes up to `max` stored requests for the frontier, walking the slots round-robin and taking
   * up to `room(slot)` from each, highest priority first.
   */
  load(max: number, room: (slot: string) => number): StoredRequest[];
  /** The request's processing is complete: forget it once the feeds hold its items. */
  done(id: number): void;
  /** The spider's `state` saved by the last run, or undefined. */
  loadSpiderState(): Record<string, unknown> | undefined;
  /** Writes everything recorded so far (after the feeds flushed); resolves once committed. */
  flush(): Promise<void>;
  /** Flushes and closes; the spider state is saved last. */
  close(spiderState: Record<string, unknown> | undefined): Promise<void>;
}
