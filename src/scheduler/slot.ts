import type { Request } from '../http/request.js';
import { PriorityQueue, type HeapNode } from './heap.js';
import { Throttle, type ThrottleOptions } from './throttle.js';
import { TokenBucket } from './token-bucket.js';

export interface SlotOptions {
  /** Requests of this slot in flight at once (the throttle's ceiling when it is on). */
  limit: number;
  /** Gap between two dispatches from this slot. */
  delayMs: number;
  /** Draw each gap from 0.5x-1.5x `delayMs` (Scrapy's RANDOMIZE_DOWNLOAD_DELAY). */
  randomizeDelay: boolean;
  /** Token-bucket rate (0 = none). */
  ratePerMinute?: number;
  /** Token-bucket capacity. Default 1. */
  burst?: number;
  /** Adaptive throttle options; undefined = off. */
  throttle?: Omit<ThrottleOptions, 'maxLimit'> & { startLimit?: number };
}

/** Where the frontier keeps a slot. */
export type SlotState =
  | 'idle' // nothing to send, or no room
  | 'ready' // can send now
  | 'waiting' // waiting for its delay, rate or Retry-After pause
  | 'dns' // its next request's host is being resolved
  | 'ip' // its next request's IP slot is full
  | 'proxy'; // no proxy has room for its next request

/**
 * A concurrency budget with its own queue: one per domain (or `meta.slot` key). Scrapy's slot is
 * the model; unlike Scrapy's, requests waiting here hold no global capacity.
 */
export class Slot implements HeapNode {
  heapIndex = -1;
  state: SlotState = 'idle';
  readonly key: string;
  readonly configuredLimit: number;
  delayMs: number;
  /** A floor under `delayMs`, such as robots.txt's Crawl-delay. */
  minDelayMs = 0;
  randomizeDelay: boolean;
  readonly throttle: Throttle | undefined;
  readonly bucket: TokenBucket | undefined;
  active = 0;
  /** Earliest time the next request may leave (last dispatch + delay). */
  notBefore = 0;
  /** Retry-After pause: nothing leaves before this. */
  pausedUntil = 0;
  /** Total ms paused by Retry-After, for stats. */
  pausedMs = 0;
  /** When the slot can send next (delay, rate, pause), set by `refresh`; the waiting heap's key. */
  wakeAt = 0;
  /** Dispatch sequence number of the last request served: ties go to the slot served longest ago. */
  lastServed = 0;
  /** Peak requests in flight, for stats. */
  peakActive = 0;
  /** Requests dispatched from this slot, for stats. */
  dispatched = 0;
  readonly queue = new PriorityQueue<Request>();

  constructor(key: string, options: SlotOptions) {
    this.key = key;
    this.configuredLimit = options.limit;
    this.delayMs = options.delayMs;
    this.randomizeDelay = options.randomizeDelay;
    if (options.throttle) {
      this.throttle = new Throttle({ ...options.throttle, maxLimit: options.limit }, options.throttle.startLimit ?? options.limit);
    }
    if (options.ratePerMinute) this.bucket = new TokenBucket(options.ratePerMinute, options.burst ?? 1);
  }

  /** The limit in force: the throttle's when it is on. */
  get limit(): number {
    return this.throttle ? this.throttle.limit : this.configuredLimit;
  }

  /** Priority of the request at the head of the queue (higher first). */
  get headPriority(): number {
    return -(this.queue.peekKey() ?? Infinity);
  }

  push(request: Request): void {
    // The queue pops the smallest key first, FIFO among equals.
    this.queue.push(request, -request.priority);
  }

  hasRoom(): boolean {
    return this.active < this.limit;
  }

  /** When the slot may next send, from its delay, Retry-After pause and token bucket. */
  readyAt(now: number): number {
    const at = Math.max(this.notBefore, this.pausedUntil);
    return this.bucket ? Math.max(at, this.bucket.readyAt(Math.max(now, at))) : at;
  }

  /** Pauses the slot until `until` (Retry-After); never shortens a longer pause. */
  pause(until: number, now: number): void {
    if (until <= this.pausedUntil) return;
    this.pausedMs += until - Math.max(now, this.pausedUntil);
    this.pausedUntil = until;
  }

  /** Books a dispatch at `now`: the delay to the next one, a token, counters. */
  take(now: number, random: () => number): void {
    this.active++;
    this.dispatched++;
    if (this.active > this.peakActive) this.peakActive = this.active;
    const delay = this.randomizeDelay && this.delayMs > 0 ? this.delayMs * (0.5 + random()) : this.delayMs;
    this.notBefore = now + Math.max(this.minDelayMs, delay);
    this.bucket?.take(now);
  }
}
