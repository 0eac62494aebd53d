import type { Request } from '../http/request.js';
import { IndexedHeap, PriorityQueue } from './heap.js';
import { Slot, type SlotOptions } from './slot.js';

export interface FrontierOptions {
  /** Requests in flight across all slots (`concurrency.global`). */
  globalLimit: number;
  /** Defaults for every new slot (`concurrency.perDomain`, `download.delayMs`...). */
  slot: SlotOptions;
  /** Random source in [0, 1) for randomised delays; injectable for tests. */
  random?: () => number;
}

/** A request leaving the frontier, with the slot whose unit it holds until `release`. */
export interface Dispatch {
  request: Request;
  slot: Slot;
}

/** Idle slots are forgotten in batches once this many pile up. */
const SWEEP_AT = 512;

/**
 * The frontier: per-slot queues and the ready set (DESIGN.md §4).
 *
 * `next(now)` returns a request only when its slot and the global budget both have room and the
 * slot's delay has passed. It takes the ready slot whose head has the highest priority; ties go
 * to the slot served longest ago, so no ready slot starves. A request that waits holds nothing.
 *
 * Time is passed in (`now`, ms): the frontier never reads a clock, so tests drive it directly.
 * `nextWakeAt()` tells the engine when the earliest time-blocked slot or delayed request becomes
 * due, so one timer serves them all.
 */
export class Frontier {
  readonly #options: FrontierOptions;
  readonly #random: () => number;
  readonly #slots = new Map<string, Slot>();
  /** Slots with a queued request, room, and their delay passed. */
  readonly #ready = new IndexedHeap<Slot>(
    (a, b) => a.headPriority > b.headPriority || (a.headPriority === b.headPriority && a.lastServed < b.lastServed),
  );
  /** Slots with a queued request and room, waiting for their delay. */
  readonly #waiting = new IndexedHeap<Slot>((a, b) => a.notBefore < b.notBefore);
  /** Requests with a not-before time (retries with backoff): they hold no slot while they wait. */
  readonly #delayed = new PriorityQueue<Request>();
  readonly #idle = new Set<Slot>();
  #globalActive = 0;
  #queued = 0;
  #served = 0;

  constructor(options: FrontierOptions) {
    this.#options = options;
    this.#random = options.random ?? Math.random;
  }

  /** Requests waiting in the frontier (queued in slots or delayed). */
  get size(): number {
    return this.#queued + this.#delayed.size;
  }

  /** Requests dispatched and not yet released. */
  get active(): number {
    return this.#globalActive;
  }

  get globalLimit(): number {
    return this.#options.globalLimit;
  }

  /** The slot for a key, created with the default options on first use. */
  slot(key: string): Slot {
    let slot = this.#slots.get(key);
    if (!slot) {
      slot = new Slot(key, this.#options.slot);
      this.#slots.set(key, slot);
    }
    return slot;
  }

  /** Every live slot (for stats). */
  slots(): IterableIterator<Slot> {
    return this.#slots.values();
  }

  /** The slot key of a request: `meta.slot`, else its host name. */
  slotKey(request: Request): string {
    return request.meta.slot ?? request.host;
  }

  push(request: Request, now: number): void {
    const notBefore = request.meta.notBefore;
    if (notBefore !== undefined && notBefore > now) {
      this.#delayed.push(request, notBefore);
      return;
    }
    const slot = this.slot(this.slotKey(request));
    slot.push(request);
    this.#queued++;
    this.#refresh(slot, now);
  }

  /** The next request that may leave now, taking one unit of its slot and of the global budget. */
  next(now: number): Dispatch | undefined {
    this.#promote(now);
    if (this.#globalActive >= this.#options.globalLimit) return undefined;
    const slot = this.#ready.peek();
    if (!slot) return undefined;
    const request = slot.queue.pop()!;
    this.#queued--;
    slot.active++;
    if (slot.active > slot.peakActive) slot.peakActive = slot.active;
    slot.lastServed = ++this.#served;
    slot.notBefore = now + slot.nextDelay(this.#random);
    this.#globalActive++;
    this.#refresh(slot, now);
    return { request, slot };
  }

  /** Give back the units a dispatch held. */
  release(slot: Slot, now: number): void {
    slot.active--;
    this.#globalActive--;
    this.#refresh(slot, now);
  }

  /** When the earliest waiting slot or delayed request becomes due; undefined when none waits on time. */
  nextWakeAt(): number | undefined {
    const slotAt = this.#waiting.peek()?.notBefore;
    const delayedAt = this.#delayed.peekKey();
    if (slotAt === undefined) return delayedAt;
    if (delayedAt === undefined) return slotAt;
    return Math.min(slotAt, delayedAt);
  }

  /** Moves due delayed requests into their slots and due waiting slots into the ready set. */
  #promote(now: number): void {
    while ((this.#delayed.peekKey() ?? Infinity) <= now) {
      const request = this.#delayed.pop()!;
      const slot = this.slot(this.slotKey(request));
      slot.push(request);
      this.#queued++;
      this.#refresh(slot, now);
    }
    let slot = this.#waiting.peek();
    while (slot && slot.notBefore <= now) {
      this.#refresh(slot, now);
      slot = this.#waiting.peek();
    }
  }

  /** Puts a slot where its state says it belongs: ready, waiting on time, or neither. */
  #refresh(slot: Slot, now: number): void {
    let state: Slot['state'];
    if (slot.queue.size === 0 || !slot.hasRoom()) state = 'idle';
    else if (slot.notBefore > now) state = 'waiting';
    else state = 'ready';

    if (slot.state !== state) {
      if (slot.state === 'ready') this.#ready.delete(slot);
      else if (slot.state === 'waiting') this.#waiting.delete(slot);
      slot.state = state;
    }
    if (state === 'ready') this.#ready.update(slot);
    else if (state === 'waiting') this.#waiting.update(slot);

    if (slot.queue.size === 0 && slot.active === 0) {
      this.#idle.add(slot);
      if (this.#idle.size >= SWEEP_AT) this.#sweep(now);
    } else {
      this.#idle.delete(slot);
    }
  }

  /** Forgets slots with nothing queued, nothing in flight and no delay pending. */
  #sweep(now: number): void {
    for (const slot of this.#idle) {
      if (slot.queue.size === 0 && slot.active === 0 && slot.notBefore <= now) {
        this.#slots.delete(slot.key);
        this.#idle.delete(slot);
      }
    }
  }
}
