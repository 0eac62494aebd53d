/**
 * The frontier's memory window over a job store: every queued request is recorded in the store,
 * and only a window of them (`job.memoryWindow` in all, `job.slotWindow` per slot, so one slow
 * slot cannot fill it) is also held by the in-memory frontier. Memory stays flat in the number
 * of queued requests; the rest is loaded back, per slot by priority, when the frontier has room.
 *
 * The frontier itself is unchanged: it still decides which request may leave, with every slot,
 * delay and budget rule; the window only decides which requests it gets to choose from.
 */
import type { Request } from '../../http/request.js';
import type { Dispatch, Frontier } from '../frontier.js';
import type { FrontierWindow } from '../frontier-window.js';
import type { JobStore } from './store.js';

export interface MemoryWindowOptions {
  frontier: Frontier;
  store: JobStore;
  /** Requests held in memory at most, over all slots (`job.memoryWindow`). */
  window: number;
  /** Requests held in memory at most per slot (`job.slotWindow`). */
  perSlot: number;
}

export class MemoryWindow implements FrontierWindow {
  readonly #frontier: Frontier;
  readonly #store: JobStore;
  readonly #window: number;
  readonly #perSlot: number;
  /** Store ids of the requests in memory or in flight. */
  readonly #ids = new Map<Request, number>();
  /** Requests in memory (queued, not in flight) per slot key. */
  readonly #inSlot = new Map<string, number>();
  #inMemory = 0;
  /**
   * A load may find something: set at start, when a slot's in-memory queue falls below half its
   * window, and when the window itself had been full. Refilling at half rather than after every
   * dispatch makes one store query per `perSlot / 2` dispatches of a busy slot instead of one per
   * dispatch (measured: 17 ms of a 300 ms demo crawl went to one-row loads).
   */
  #refill = true;
  /** A request went to the store only because the whole window was full. */
  #overflowed = false;
  readonly #room = (slot: string): number => this.#perSlot - (this.#inSlot.get(slot) ?? 0);

  constructor(options: MemoryWindowOptions) {
    this.#frontier = options.frontier;
    this.#store = options.store;
    this.#window = options.window;
    this.#perSlot = options.perSlot;
  }

  /** Queued requests: in memory plus only in the store. */
  get size(): number {
    return this.#frontier.size + this.#store.stored;
  }

  push(request: Request, now: number): void {
    // The same object queued twice would share one id: give the second its own identity.
    const queued = this.#ids.has(request) ? request.replace({}) : request;
    const slot = this.#frontier.slotKey(queued);
    const windowFull = this.#inMemory >= this.#window;
    const inMemory = !windowFull && this.#room(slot) > 0;
    if (windowFull) this.#overflowed = true;
    const id = this.#store.add(queued, slot, inMemory);
    if (inMemory) this.#hold(id, slot, queued, now);
  }

  next(now: number): Dispatch | undefined {
    let dispatch = this.#frontier.next(now);
    if (!dispatch && this.#store.stored > 0 && (this.#refill || this.#frontier.size === 0) && this.#load(now) > 0) dispatch = this.#frontier.next(now);
    if (dispatch) {
      const slot = this.#frontier.slotKey(dispatch.request);
      const count = (this.#inSlot.get(slot) ?? 1) - 1;
      if (count === 0) this.#inSlot.delete(slot);
      else this.#inSlot.set(slot, count);
      this.#inMemory--;
      if (count < this.#perSlot / 2 || this.#overflowed) this.#refill = true;
    }
    return dispatch;
  }

  /** The request's processing is complete: its record goes (after the feeds flushed). */
  done(request: Request): void {
    const id = this.#ids.get(request);
    if (id === undefined) return;
    this.#ids.delete(request);
    this.#store.done(id);
  }

  #load(now: number): number {
    const max = this.#window - this.#inMemory;
    const rows = this.#store.load(max, this.#room);
    for (const row of rows) this.#hold(row.id, row.slot, row.request, now);
    this.#refill = false;
    // A load the window cut short leaves rows that wait for window room, not slot room.
    this.#overflowed = rows.length >= max;
    return rows.length;
  }

  #hold(id: number, slot: string, request: Request, now: number): void {
    this.#ids.set(request, id);
    this.#inSlot.set(slot, (this.#inSlot.get(slot) ?? 0) + 1);
    this.#inMemory++;
    this.#frontier.push(request, now);
  }
}
