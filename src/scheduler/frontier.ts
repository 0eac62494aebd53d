import type { Request } from '../http/request.js';
import { BrowserPageBudget, type BrowserPageGate } from './browser-pages.js';
import { IndexedHeap, PriorityQueue } from './heap.js';
import { IpSlot } from './ip-slot.js';
import { Slot, type SlotOptions } from './slot.js';
import type { SlotRules } from './slot-rules.js';
import type { Outcome, ThrottleDecision } from './throttle.js';

/** Tells the frontier which address a host's requests go to (the DNS cache). */
export interface HostResolver {
  /**
   * The address to slot `host` on now; `undefined` when it is not known yet (resolution starts,
   * and `Frontier.hostResolved(host)` is called when it ends); `null` when resolution failed (the
   * request leaves without an IP slot and the transport reports the DNS error).
   */
  addressFor(host: string, now: number): string | null | undefined;
}

/** A proxy the pool lent a request; given back on release. */
export interface ProxyLease {
  readonly id: string;
}

/** The proxy pool as the frontier sees it: one more budget a request may need. */
export interface ProxyGate {
  /** A proxy with room, `direct` (the request names its own proxy or none), `wait`, or `refused` (no proxy may serve it). */
  acquire(request: Request, now: number): ProxyLease | 'direct' | 'wait' | 'refused';
  release(lease: ProxyLease): void;
  /** When the earliest cool-down ends, so a waiting request can probe. */
  nextWakeAt(now: number): number | undefined;
}

export interface FrontierOptions {
  /** Requests in flight across all slots (`concurrency.global`). */
  globalLimit: number;
  /** Defaults for every new slot (`concurrency.perDomain`, `download.delayMs`...). */
  slot: SlotOptions;
  /** Per-pattern overrides of the slot defaults (`slots`). */
  rules?: SlotRules;
  /** Requests in flight per target IP (`concurrency.perIp`); 0 = no IP slots. */
  perIpLimit?: number;
  /** Required when `perIpLimit > 0`. */
  resolver?: HostResolver;
  /** The proxy pool, when proxies are on: a request also needs a proxy with room. */
  proxies?: ProxyGate;
  /** Pages open in the browser at once: a request to be rendered also needs a page unit. */
  browserPages?: BrowserPageGate;
  /** Grow the global limit from 1 to `globalLimit` over this long (`concurrency.rampUpMs`); 0 = off. */
  rampUpMs?: number;
  /** Random source in [0, 1) for randomised delays; injectable for tests. */
  random?: () => number;
  /** Called when a slot's throttle changes its limit (stats, debug logs). */
  onThrottle?: (slot: Slot, decision: Exclude<ThrottleDecision, undefined>) => void;
}

/** A request leaving the frontier, with the slots whose units it holds until `release`. */
export interface Dispatch {
  request: Request;
  slot: Slot;
  ipSlot: IpSlot | undefined;
  proxy: ProxyLease | undefined;
  /** True when it holds a unit of the `browser.maxPages` budget. */
  browserPage?: boolean;
  /** The engine's clock when it left. */
  at: number;
}

/** Idle slots are forgotten in batches once this many pile up. */
const SWEEP_AT = 512;

/**
 * The frontier: per-slot queues and the ready set (DESIGN.md §4).
 *
 * `next(now)` returns a request only when every budget it needs has room: its slot (concurrency,
 * delay, token bucket, Retry-After pause, throttle), its target IP's slot when per-IP limits are
 * on, and the global budget (ramped up at start when asked). It takes the ready slot whose head
 * has the highest priority; ties go to the slot served longest ago, so no ready slot starves. A
 * request that waits holds nothing: a slot blocked on its IP or on DNS is parked, not spun on.
 *
 * Time is passed in (`now`, ms): the frontier never reads a clock, so tests drive it directly.
 * `nextWakeAt()` tells the engine when the earliest time-blocked slot, delayed request or ramp
 * step is due, so one timer serves them all.
 */
export class Frontier {
  readonly #options: FrontierOptions;
  readonly #random: () => number;
  readonly #perIp: number;
  readonly #slots = new Map<string, Slot>();
  readonly #ipSlots = new Map<string, IpSlot>();
  /** Slots with a queued request, room, and nothing to wait for. */
  readonly #ready = new IndexedHeap<Slot>(
    (a, b) => a.headPriority > b.headPriority || (a.headPriority === b.headPriority && a.lastServed < b.lastServed),
  );
  /** Slots with a queued request and room, waiting for their delay, rate or pause. */
  readonly #waiting = new IndexedHeap<Slot>((a, b) => a.wakeAt < b.wakeAt);
  /** Requests with a not-before time (retries with backoff): they hold no slot while they wait. */
  readonly #delayed = new PriorityQueue<Request>();
  /** Slots parked until a proxy has room or ends its cool-down. */
  readonly #proxyWaiters = new Set<Slot>();
  #proxyWakeAt = Infinity;
  /** Slots parked until a host resolves. */
  readonly #awaitingDns = new Map<string, Set<Slot>>();
  readonly #idle = new Set<Slot>();
  readonly #browser: BrowserPageBudget | undefined;
  #globalActive = 0;
  #queued = 0;
  #served = 0;
  #startedAt: number | undefined;
  #peakIpActive = 0;

  constructor(options: FrontierOptions) {
    this.#options = options;
    this.#random = options.random ?? Math.random;
    this.#perIp = options.perIpLimit ?? 0;
    this.#browser = options.browserPages && new BrowserPageBudget(options.browserPages);
    if (this.#perIp > 0 && !options.resolver) throw new Error('Frontier: perIpLimit needs a resolver');
  }

  /** Requests waiting in the frontier (queued in slots or delayed). */
  get size(): number {
    return this.#queued + this.#delayed.size + (this.#browser?.waiting ?? 0);
  }

  /** Dispatches holding a browser page unit now. */
  get browserActive(): number {
    return this.#browser?.active ?? 0;
  }

  /** Requests dispatched and not yet released. */
  get active(): number {
    return this.#globalActive;
  }

  /** Peak requests in flight to one IP address (IP slots are forgotten when idle; this is kept). */
  get peakIpActive(): number {
    return this.#peakIpActive;
  }

  /** The slot for a key, created from the defaults and any matching rule on first use. */
  slot(key: string): Slot {
    let slot = this.#slots.get(key);
    if (!slot) {
      const { rules, slot: defaults } = this.#options;
      slot = new Slot(key, rules ? rules.optionsFor(key, defaults) : defaults);
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
    this.#queue(request, now);
  }

  /** Queues a request in its slot now. */
  #queue(request: Request, now: number): void {
    const slot = this.slot(this.slotKey(request));
    slot.push(request);
    this.#queued++;
    this.#refresh(slot, now);
  }

  /** The global limit in force at `now` (ramping up from 1 when `rampUpMs` is set). */
  effectiveGlobalLimit(now: number): number {
    const { globalLimit, rampUpMs = 0 } = this.#options;
    if (rampUpMs <= 0 || this.#startedAt === undefined) return globalLimit;
    const elapsed = now - this.#startedAt;
    if (elapsed >= rampUpMs) return globalLimit;
    return Math.max(1, Math.floor(1 + ((globalLimit - 1) * elapsed) / rampUpMs));
  }

  /** The next request that may leave now, taking one unit of each budget it needs. */
  next(now: number): Dispatch | undefined {
    this.#startedAt ??= now;
    this.#promote(now);
    if (this.#globalActive >= this.effectiveGlobalLimit(now)) return undefined;
    const browser = this.#browser;
    for (let slot = this.#ready.peek(); slot; slot = this.#ready.peek()) {
      const rendered = browser !== undefined && browser.renders(slot.queue.peek()!);
      if (rendered && browser.full) {
        // No page unit: set the request aside (it holds nothing) and look at the slot again.
        browser.setAside(slot.queue.pop()!);
        this.#queued--;
        this.#refresh(slot, now);
        continue;
      }
      let ipSlot: IpSlot | undefined;
      if (this.#perIp > 0) {
        const host = slot.queue.peek()!.host;
        const ip = this.#options.resolver!.addressFor(host, now);
        if (ip === undefined) {
          this.#park(slot, 'dns');
          let waiting = this.#awaitingDns.get(host);
          if (!waiting) this.#awaitingDns.set(host, (waiting = new Set()));
          waiting.add(slot);
          continue;
        }
        if (ip !== null) {
          ipSlot = this.#ipSlot(ip);
          if (ipSlot.active >= this.#perIp) {
            this.#park(slot, 'ip');
            ipSlot.waiters.add(slot);
            continue;
          }
        }
      }
      let proxy: ProxyLease | undefined;
      if (this.#options.proxies) {
        const head = slot.queue.peek()!;
        const got = this.#options.proxies.acquire(head, now);
        if (got === 'wait') {
          this.#park(slot, 'proxy');
          this.#proxyWaiters.add(slot);
          this.#proxyWakeAt = Math.min(this.#proxyWakeAt, this.#options.proxies.nextWakeAt(now) ?? Infinity);
          continue;
        }
        if (got !== 'direct' && got !== 'refused') proxy = got;
        // meta is the framework's own per-request object: the downloader reads the pick from it.
        head.meta.proxyId = proxy?.id;
      }
      if (ipSlot) {
        ipSlot.take();
        if (ipSlot.active > this.#peakIpActive) this.#peakIpActive = ipSlot.active;
      }
      const request = slot.queue.pop()!;
      this.#queued--;
      slot.take(now, this.#random);
      slot.lastServed = ++this.#served;
      this.#globalActive++;
      if (rendered) browser.take();
      this.#refresh(slot, now);
      return { request, slot, ipSlot, proxy, ...(rendered ? { browserPage: true } : {}), at: now };
    }
    return undefined;
  }

  /** Gives back the units a dispatch held. */
  release(dispatch: Dispatch, now: number): void {
    const { slot, ipSlot, proxy } = dispatch;
    slot.active--;
    this.#globalActive--;
    this.#refresh(slot, now);
    if (dispatch.browserPage) {
      const back = this.#browser!.release();
      if (back) this.#queue(back, now);
    }
    if (proxy) {
      this.#options.proxies!.release(proxy);
      this.#wake(this.#proxyWaiters, now);
    }
    if (ipSlot) {
      ipSlot.active--;
      this.#wake(ipSlot.waiters, now);
      if (ipSlot.active === 0 && ipSlot.waiters.size === 0) this.#ipSlots.delete(ipSlot.key);
    }
  }

  /** Lets a slot's throttle learn from one finished download (the throttle middleware reports it). */
  observe(key: string, outcome: Outcome, now: number): void {
    const slot = this.#slots.get(key);
    const decision = slot?.throttle?.observe(outcome, now);
    if (!slot || !decision) return;
    this.#options.onThrottle?.(slot, decision);
    this.#refresh(slot, now);
  }

  /** Pauses a slot until `until` (a Retry-After). */
  pause(key: string, until: number, now: number): void {
    const slot = this.slot(key);
    slot.pause(until, now);
    this.#refresh(slot, now);
  }

  /** A host's address became known (or failed): its parked slots may go again. */
  hostResolved(host: string, now: number): void {
    const waiting = this.#awaitingDns.get(host);
    if (!waiting) return;
    this.#awaitingDns.delete(host);
    this.#wake(waiting, now);
  }

  /** Sets a floor under a slot's delay (robots.txt Crawl-delay). */
  setMinDelay(key: string, ms: number, now: number): void {
    const slot = this.slot(key);
    slot.minDelayMs = ms;
    this.#refresh(slot, now);
  }

  /** When the earliest waiting slot, delayed request or ramp step is due; undefined when nothing waits on time. */
  nextWakeAt(): number | undefined {
    let at = Math.min(this.#waiting.peek()?.wakeAt ?? Infinity, this.#delayed.peekKey() ?? Infinity);
    if (this.#proxyWaiters.size > 0) at = Math.min(at, this.#proxyWakeAt);
    const { globalLimit, rampUpMs = 0 } = this.#options;
    if (rampUpMs > 0 && globalLimit > 1 && this.#startedAt !== undefined && this.#ready.size > 0 && this.#globalActive < globalLimit) {
      // Blocked by the ramp: wake when the limit grows past what is in flight.
      at = Math.min(at, this.#startedAt + Math.ceil((rampUpMs * this.#globalActive) / (globalLimit - 1)));
    }
    return at === Infinity ? undefined : at;
  }

  #ipSlot(ip: string): IpSlot {
    let ipSlot = this.#ipSlots.get(ip);
    if (!ipSlot) this.#ipSlots.set(ip, (ipSlot = new IpSlot(ip)));
    return ipSlot;
  }

  #park(slot: Slot, state: 'dns' | 'ip' | 'proxy'): void {
    if (slot.state === 'ready') this.#ready.delete(slot);
    else if (slot.state === 'waiting') this.#waiting.delete(slot);
    slot.state = state;
  }

  #wake(slots: Set<Slot>, now: number): void {
    const woken = [...slots];
    slots.clear();
    for (const slot of woken) {
      if (slot.state === 'dns' || slot.state === 'ip' || slot.state === 'proxy') slot.state = 'idle';
      this.#refresh(slot, now);
    }
  }

  /** Moves due delayed requests into their slots and due waiting slots into the ready set. */
  #promote(now: number): void {
    if (this.#proxyWakeAt <= now) {
      // A proxy's cool-down ended: parked slots may probe it.
      this.#proxyWakeAt = Infinity;
      this.#wake(this.#proxyWaiters, now);
    }
    while ((this.#delayed.peekKey() ?? Infinity) <= now) this.#queue(this.#delayed.pop()!, now);
    let slot = this.#waiting.peek();
    while (slot && slot.wakeAt <= now) {
      this.#refresh(slot, now);
      const next = this.#waiting.peek();
      // A slot whose bucket pushed its wake time later moved down the heap; stop when the head is not due.
      if (next === slot) break;
      slot = next;
    }
  }

  /** Puts a slot where its state says it belongs: ready, waiting on time, or neither. Parked slots stay parked. */
  #refresh(slot: Slot, now: number): void {
    if (slot.state !== 'dns' && slot.state !== 'ip' && slot.state !== 'proxy') {
      let state: 'idle' | 'ready' | 'waiting';
      if (slot.queue.size === 0 || !slot.hasRoom()) state = 'idle';
      else {
        slot.wakeAt = slot.readyAt(now);
        state = slot.wakeAt > now ? 'waiting' : 'ready';
      }
      if (slot.state !== state) {
        if (slot.state === 'ready') this.#ready.delete(slot);
        else if (slot.state === 'waiting') this.#waiting.delete(slot);
        slot.state = state;
      }
      if (state === 'ready') this.#ready.update(slot);
      else if (state === 'waiting') this.#waiting.update(slot);
    }

    if (slot.queue.size === 0 && slot.active === 0) {
      this.#idle.add(slot);
      if (this.#idle.size >= SWEEP_AT) this.#sweep(now);
    } else {
      this.#idle.delete(slot);
    }
  }

  /** Forgets slots with nothing queued, nothing in flight and no delay or pause pending. */
  #sweep(now: number): void {
    for (const slot of this.#idle) {
      // Keep slots whose state would be lost: a pending delay or pause, a Crawl-delay floor, a throttled limit.
      const throttled = slot.throttle !== undefined && slot.throttle.limit < slot.configuredLimit;
      if (slot.queue.size === 0 && slot.active === 0 && slot.readyAt(now) <= now && slot.minDelayMs === 0 && !throttled) {
        this.#slots.delete(slot.key);
        this.#idle.delete(slot);
      }
    }
  }
}
