import type { Request } from '../http/request.js';
import { PriorityQueue, type HeapNode } from './heap.js';

export interface SlotOptions {
  /** Requests of this slot in flight at once. */
  limit: number;
  /** Gap between two dispatches from this slot. */
  delayMs: number;
  /** Draw each gap from 0.5x-1.5x `delayMs` (Scrapy's RANDOMIZE_DOWNLOAD_DELAY). */
  randomizeDelay: boolean;
}

/**
 * A concurrency budget with its own queue: one per domain (or `meta.slot` key). Scrapy's slot is
 * the model; unlike Scrapy's, requests waiting here hold no global capacity.
 */
export class Slot implements HeapNode {
  heapIndex = -1;
  /** Where the frontier keeps it: with a queued request it can send now, one it must wait for, or neither. */
  state: 'ready' | 'waiting' | 'idle' = 'idle';
  readonly key: string;
  limit: number;
  delayMs: number;
  randomizeDelay: boolean;
  active = 0;
  /** Earliest time the next request may leave (last dispatch + delay). */
  notBefore = 0;
  /** Dispatch sequence number of the last request served: ties go to the slot served longest ago. */
  lastServed = 0;
  /** Peak requests in flight, for stats. */
  peakActive = 0;
  readonly queue = new PriorityQueue<Request>();

  constructor(key: string, options: SlotOptions) {
    this.key = key;
    this.limit = options.limit;
    this.delayMs = options.delayMs;
    this.randomizeDelay = options.randomizeDelay;
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

  /** The gap before the next dispatch, randomised when asked. */
  nextDelay(random: () => number): number {
    if (this.delayMs === 0) return 0;
    return this.randomizeDelay ? this.delayMs * (0.5 + random()) : this.delayMs;
  }
}
