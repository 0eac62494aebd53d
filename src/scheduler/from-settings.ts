import type { Stats } from '../stats.js';
import type { Logger } from '../log.js';
import type { SettingValues } from '../settings/defaults.js';
import { rendersDirectly } from '../http/rendering.js';
import { Frontier, type HostResolver, type ProxyGate } from './frontier.js';
import { Scheduler } from './scheduler.js';
import type { SlotOptions } from './slot.js';
import { SlotRules } from './slot-rules.js';
import type { JobStore, StartLedger } from './stores/store.js';
import type { FrontierWindow } from './frontier-window.js';

export interface FrontierWiring {
  settings: Readonly<SettingValues>;
  stats: Stats;
  logger: Logger;
  random: () => number;
  /** The DNS cache; used for IP slots when `concurrency.perIp` > 0. */
  resolver: HostResolver;
  /** The proxy pool, when `proxy.enabled`. */
  proxies?: ProxyGate;
  /**
   * A cluster crawl (`cluster.redis`): Redis enforces the per-slot budgets (limit, delay, rate)
   * cluster-wide, so the local slots only pass through what the cluster frontier claimed.
   */
  clustered?: boolean;
}

/** A slot's budget as one process (or, through Redis, the cluster) enforces it. */
export interface SlotBudget {
  limit: number;
  /** The least gap between two requests: the delay, or the rate's spacing, whichever is longer. */
  intervalMs: number;
}

/** The budget of one slot key, from its effective options (`SlotRules.optionsFor`). */
export function slotBudget(settings: Readonly<SettingValues>, rules: SlotRules, key: string): SlotBudget {
  const { limit, delayMs, ratePerMinute = 0 } = rules.optionsFor(key, localSlot(settings));
  return { limit, intervalMs: Math.max(delayMs, ratePerMinute > 0 ? Math.ceil(60_000 / ratePerMinute) : 0) };
}

/** Builds the frontier from the `concurrency.*`, `download.*`, `rateLimit.*`, `throttle.*`, `browser.maxPages` and `slots` settings. */
export function frontierFromSettings({ settings, stats, logger, random, resolver, proxies, clustered = false }: FrontierWiring): { frontier: Frontier; rules: SlotRules } {
  const rules = new SlotRules(settings.slots);
  const frontier = new Frontier({
    globalLimit: settings['concurrency.global'],
    perIpLimit: settings['concurrency.perIp'],
    resolver,
    ...(proxies ? { proxies } : {}),
    rampUpMs: settings['concurrency.rampUpMs'],
    // A request to be rendered waits here for a page, holding nothing (not in the browser handler).
    browserPages: { limit: settings['browser.maxPages'], renders: (request) => rendersDirectly(request, settings['browser.mode']) },
    random,
    // In a cluster the slots' budgets are leased from Redis: locally a slot only passes requests through.
    slot: clustered ? { limit: Infinity, delayMs: 0, randomizeDelay: false, ratePerMinute: 0, burst: 1 } : localSlot(settings),
    ...(clustered ? {} : { rules }),
    onThrottle: (slot, decision) => {
      stats.inc(`throttle/${decision === 'increase' ? 'increases' : 'decreases'}`);
      logger.debug(`throttle: slot ${slot.key} ${decision}d its limit to ${slot.limit} (configured ${slot.configuredLimit})`);
    },
  });
  return { frontier, rules };
}

export interface SchedulerWiring {
  settings: Readonly<SettingValues>;
  stats: Stats;
  frontier: Frontier;
  /** The open job's store (`job.dir`), windowed by `job.memoryWindow` and `job.slotWindow`. */
  store?: JobStore;
  /** The cluster's shared frontier (`cluster.redis`), built over `frontier`. */
  shared?: FrontierWindow & StartLedger;
}

/** The scheduler over a frontier: in memory, windowed over a job store, or shared through a cluster. */
export function schedulerFromSettings({ settings, stats, frontier, store, shared }: SchedulerWiring): Scheduler {
  return new Scheduler({
    frontier,
    stats,
    ...(store ? { job: { store, window: settings['job.memoryWindow'], perSlot: settings['job.slotWindow'] } } : {}),
    ...(shared ? { shared } : {}),
  });
}

function localSlot(settings: Readonly<SettingValues>): SlotOptions {
  return {
    limit: settings['concurrency.perDomain'],
    delayMs: settings['download.delayMs'],
    randomizeDelay: settings['download.randomizeDelay'],
    ratePerMinute: settings['rateLimit.perDomainPerMinute'],
    burst: settings['rateLimit.burst'],
    throttle: settings['throttle.enabled']
      ? {
          windowSize: settings['throttle.windowSize'],
          decreaseFactor: settings['throttle.decreaseFactor'],
          latencyFactor: settings['throttle.latencyFactor'],
          latencyMinDeltaMs: settings['throttle.latencyMinDeltaMs'],
        }
      : undefined,
  };
}

/** Most slots reported one by one in the final stats (the busiest); the rest only in totals. */
const SLOTS_IN_STATS = 20;

/** Per-slot figures for the final stats: peak concurrency, current limit, time paused. */
export function recordSlotStats(scheduler: Scheduler, rules: SlotRules, stats: Stats, logger: Logger): void {
  const slots = [...scheduler.frontier.slots()].sort((a, b) => b.dispatched - a.dispatched);
  let peak = 0;
  let pausedMs = 0;
  for (const slot of slots) {
    peak = Math.max(peak, slot.peakActive);
    pausedMs += slot.pausedMs;
  }
  stats.set('scheduler/peak_slot_concurrency', peak);
  if (pausedMs > 0) stats.set('scheduler/paused_ms', Math.round(pausedMs));
  for (const slot of slots.slice(0, SLOTS_IN_STATS)) {
    stats.set(`slot/${slot.key}/peak`, slot.peakActive);
    if (slot.throttle) stats.set(`slot/${slot.key}/limit`, slot.limit);
    if (slot.pausedMs > 0) stats.set(`slot/${slot.key}/paused_ms`, Math.round(slot.pausedMs));
  }
  if (scheduler.frontier.peakIpActive > 0) stats.set('scheduler/peak_ip_concurrency', scheduler.frontier.peakIpActive);
  for (const pattern of rules.unused()) {
    stats.inc('scheduler/unused_slot_patterns');
    logger.warn(`ERR_SLOT_PATTERN_UNUSED: the slots pattern "${pattern}" matched no request; check it against the hosts crawled`);
  }
}
