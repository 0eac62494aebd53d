import type { Stats } from '../stats.js';
import type { Logger } from '../log.js';
import type { SettingValues } from '../settings/defaults.js';
import { ProxyPool } from './pool.js';
import { parseProxies } from './proxy-config.js';
import { LruWeightedStrategy } from './strategies/lru-weighted.js';
import { RandomStrategy } from './strategies/random.js';
import { RoundRobinStrategy } from './strategies/round-robin.js';
import type { ProxyStrategy } from './strategies/strategy.js';

function strategyFor(settings: Readonly<SettingValues>): ProxyStrategy {
  switch (settings['proxy.strategy']) {
    case 'round-robin':
      return new RoundRobinStrategy();
    case 'random':
      return new RandomStrategy();
    default:
      return new LruWeightedStrategy(settings['proxy.successExponent']);
  }
}

/** The proxy pool for these settings, or undefined when `proxy.enabled` is off. Coded errors name bad entries. */
export function proxyPoolFromSettings(settings: Readonly<SettingValues>, logger: Logger, random: () => number): ProxyPool | undefined {
  if (!settings['proxy.enabled']) return undefined;
  const proxies = parseProxies(settings['proxy.list'], settings['proxy.file']);
  logger.info(`proxy pool: ${proxies.length} proxies (${proxies.map((p) => p.id).join(', ')}), strategy ${settings['proxy.strategy']}, sticky ${settings['proxy.sticky']}`);
  return new ProxyPool({
    proxies,
    strategy: strategyFor(settings),
    maxConcurrencyPerProxy: settings['proxy.maxConcurrencyPerProxy'],
    sticky: settings['proxy.sticky'],
    stickyTtlMs: settings['proxy.stickyTtlMs'],
    stickyMaxRequests: settings['proxy.stickyMaxRequests'],
    partition: settings['proxy.partition'],
    health: {
      windowSize: settings['proxy.windowSize'],
      failureThreshold: settings['proxy.failureThreshold'],
      cooldownMs: settings['proxy.cooldownMs'],
      cooldownMaxMs: settings['proxy.cooldownMaxMs'],
    },
    random,
    logger,
  });
}

/** Per-proxy figures for the final stats, keyed by proxy id (never by URL: no credentials). */
export function recordProxyStats(pool: ProxyPool, stats: Stats): void {
  for (const proxy of pool.states) {
    const key = `proxy/${proxy.id}`;
    stats.set(`${key}/requests`, proxy.requests);
    stats.set(`${key}/success`, proxy.outcomes.success);
    if (proxy.outcomes.target_error) stats.set(`${key}/target_errors`, proxy.outcomes.target_error);
    if (proxy.outcomes.proxy_failure) stats.set(`${key}/failures`, proxy.outcomes.proxy_failure);
    for (const [code, count] of proxy.failures) stats.set(`${key}/failures/${code}`, count);
    stats.set(`${key}/success_rate`, Math.round(proxy.successRate * 1000) / 1000);
    stats.set(`${key}/p50_ms`, Math.round(proxy.health.latencyPercentile(0.5)));
    stats.set(`${key}/p95_ms`, Math.round(proxy.health.latencyPercentile(0.95)));
    stats.set(`${key}/state`, proxy.health.state);
    if (proxy.health.transitions) stats.set(`${key}/state_changes`, proxy.health.transitions);
  }
}
