/**
 * The proxy pool: which proxy a request goes through, and whether one has room.
 *
 * For each request leaving the frontier: a sticky binding first (per domain or per
 * `meta.proxySession`, with a TTL refreshed on use and a request budget), else the strategy's
 * pick among proxies that are usable (healthy, or due for their probe), have room
 * (`proxy.maxConcurrencyPerProxy` or the entry's own `maxConcurrency`), may serve the host
 * (partition) and were not just failed by this request (`meta.avoidProxies`). No proxy with room
 * means the request waits in the frontier, holding nothing.
 */
import { LRUCache } from 'lru-cache';
import type { Request } from '../http/request.js';
import type { Logger } from '../log.js';
import { ProxyHealth, type HealthOptions, type OutcomeKind } from './health.js';
import type { ProxyConfig } from './proxy-config.js';
import type { ProxyStrategy } from './strategies/strategy.js';

export type StickyMode = 'none' | 'domain' | 'session';

export interface ProxyPoolOptions {
  proxies: readonly ProxyConfig[];
  strategy: ProxyStrategy;
  /** Requests through one proxy at once, unless its entry says otherwise. */
  maxConcurrencyPerProxy: number;
  sticky: StickyMode;
  /** A binding unused this long is dropped. */
  stickyTtlMs: number;
  /** Requests one binding may carry before a fresh pick. */
  stickyMaxRequests: number;
  /** Domain pattern (`host` or `*.domain`) to the tags of the proxies dedicated to it. */
  partition: Readonly<Record<string, readonly string[]>>;
  health: HealthOptions;
  random: () => number;
  logger: Logger;
}

/** One proxy's live state. The id and redacted URL are safe to log; `config.url` is not. */
export class ProxyState {
  readonly id: string;
  readonly config: ProxyConfig;
  readonly health: ProxyHealth;
  readonly limit: number;
  active = 0;
  lastUsedAt = -Infinity;
  requests = 0;
  readonly outcomes: Record<OutcomeKind, number> = { success: 0, target_error: 0, proxy_failure: 0 };
  readonly failures = new Map<string, number>();

  constructor(config: ProxyConfig, limit: number, health: HealthOptions) {
    this.id = config.id;
    this.config = config;
    this.limit = config.maxConcurrency ?? limit;
    this.health = new ProxyHealth(health);
  }

  get successRate(): number {
    return this.health.successRate;
  }
}

interface Binding {
  id: string;
  expiresAt: number;
  remaining: number;
}

/** What `acquire` says: a proxy, no proxy for this request (direct), wait, or none may serve it. */
export type Acquired = ProxyState | 'direct' | 'wait' | 'refused';

function matchesPattern(host: string, pattern: string): boolean {
  return pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) : host === pattern || host.endsWith(`.${pattern}`);
}

export class ProxyPool {
  readonly #options: ProxyPoolOptions;
  readonly states: readonly ProxyState[];
  readonly #byId: Map<string, ProxyState>;
  readonly #bindings = new LRUCache<string, Binding>({ max: 50_000 });
  readonly #eligible = new Map<string, ProxyState[]>();
  #allCoolingLogged = false;

  constructor(options: ProxyPoolOptions) {
    this.#options = options;
    this.states = options.proxies.map((p) => new ProxyState(p, options.maxConcurrencyPerProxy, options.health));
    this.#byId = new Map(this.states.map((s) => [s.id, s]));
  }

  /** Picks the proxy for a request leaving the frontier now, taking a unit of its budget. */
  acquire(request: Request, now: number): Acquired {
    if (request.meta.proxy !== undefined) return 'direct';
    const eligible = this.#eligibleFor(request.host);
    if (eligible.length === 0) return 'refused';

    const key = this.#stickyKey(request);
    if (key !== undefined) {
      const binding = this.#bindings.get(key);
      const bound = binding && binding.expiresAt > now && binding.remaining > 0 ? this.#byId.get(binding.id) : undefined;
      if (bound && bound.health.usable(now) && !request.meta.avoidProxies?.includes(bound.id)) {
        if (bound.active >= bound.limit) return 'wait';
        binding!.remaining--;
        binding!.expiresAt = now + this.#options.stickyTtlMs;
        return this.#take(bound, now);
      }
    }

    const avoid = request.meta.avoidProxies;
    let candidates = eligible.filter((s) => s.active < s.limit && s.health.usable(now) && !avoid?.includes(s.id));
    // Every other proxy busy or cooling: a proxy this request failed on is better than none.
    if (candidates.length === 0 && avoid) candidates = eligible.filter((s) => s.active < s.limit && s.health.usable(now));
    if (candidates.length === 0) {
      this.#logIfAllCooling(eligible, now);
      return 'wait';
    }
    this.#allCoolingLogged = false;
    const chosen = this.#options.strategy.pick(candidates, now, this.#options.random);
    if (key !== undefined) this.#bindings.set(key, { id: chosen.id, expiresAt: now + this.#options.stickyTtlMs, remaining: this.#options.stickyMaxRequests - 1 });
    return this.#take(chosen, now);
  }

  release(state: ProxyState): void {
    state.active--;
  }

  /** Records an outcome: the proxy's health learns from it. */
  report(id: string, kind: OutcomeKind, latencyMs: number, now: number, failureCode?: string): void {
    const state = this.#byId.get(id);
    if (!state) return;
    state.outcomes[kind]++;
    if (failureCode) state.failures.set(failureCode, (state.failures.get(failureCode) ?? 0) + 1);
    const before = state.health.state;
    state.health.record(kind, latencyMs, now);
    const after = state.health.state;
    if (before !== after) {
      const until = after === 'cooling' ? ` until +${Math.round(state.health.coolingUntil - now)} ms` : '';
      this.#options.logger.info(`proxy ${state.id}: ${before} -> ${after}${until}${failureCode ? ` (${failureCode})` : ''}`);
    }
  }

  /** When the earliest cool-down ends (a waiting request may then probe it). */
  nextWakeAt(now: number): number | undefined {
    let at = Infinity;
    for (const s of this.states) if (s.health.state === 'cooling' && s.health.coolingUntil > now) at = Math.min(at, s.health.coolingUntil);
    return at === Infinity ? undefined : at;
  }

  #take(state: ProxyState, now: number): ProxyState {
    state.active++;
    state.requests++;
    state.lastUsedAt = now;
    if (state.health.state === 'cooling') {
      state.health.acquired(now);
      this.#options.logger.info(`proxy ${state.id}: cooling -> probing (one request)`);
    }
    return state;
  }

  #stickyKey(request: Request): string | undefined {
    switch (this.#options.sticky) {
      case 'domain':
        return `d:${request.meta.slot ?? request.host}`;
      case 'session':
        return request.meta.proxySession === undefined ? undefined : `s:${request.meta.proxySession}`;
      default:
        return undefined;
    }
  }

  /** Proxies dedicated to the host if any, else the proxies dedicated to no domain. */
  #eligibleFor(host: string): ProxyState[] {
    let eligible = this.#eligible.get(host);
    if (!eligible) {
      const dedicated = this.states.filter((s) => this.#patternsOf(s).some((p) => matchesPattern(host, p)));
      eligible = dedicated.length > 0 ? dedicated : this.states.filter((s) => this.#patternsOf(s).length === 0);
      if (this.#eligible.size > 10_000) this.#eligible.clear();
      this.#eligible.set(host, eligible);
    }
    return eligible;
  }

  #patternsOf(state: ProxyState): string[] {
    const patterns = [...state.config.domains];
    for (const [pattern, tags] of Object.entries(this.#options.partition)) {
      if (tags.some((t) => state.config.tags.includes(t))) patterns.push(pattern.toLowerCase());
    }
    return patterns;
  }

  #logIfAllCooling(eligible: readonly ProxyState[], now: number): void {
    if (this.#allCoolingLogged || !eligible.every((s) => s.health.state !== 'healthy')) return;
    this.#allCoolingLogged = true;
    const next = Math.min(...eligible.map((s) => s.health.coolingUntil));
    this.#options.logger.warn(`every proxy is cooling down or probing: requests wait (next probe in ${Math.max(0, Math.round(next - now))} ms)`);
  }
}
