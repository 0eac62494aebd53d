import type { Logger } from '../log.js';
import type { SettingValues } from '../settings/defaults.js';
import type { TransportOptions } from './transport.js';

/** The transport options the `download.*` and `pool.*` settings give; the crawl and `crawl fetch` share them. */
export function transportOptionsFrom(settings: Readonly<SettingValues>, logger: Logger): TransportOptions {
  return {
    connectTimeoutMs: settings['download.connectTimeoutMs'],
    timeoutMs: settings['download.timeoutMs'],
    maxResponseBytes: settings['download.maxResponseBytes'],
    warnResponseBytes: settings['download.warnResponseBytes'],
    // No cap by default: the frontier already bounds the requests in flight per slot, and undici
    // opens a socket only when every pooled one is busy, so an origin gets exactly as many
    // sockets as its slot lets run at once (2,000 pages at perDomain 8: 8 sockets). A cap from
    // concurrency.perDomain starved `slots` overrides above it: their extra requests waited
    // inside undici with their download timers running.
    connectionsPerOrigin: settings['pool.connectionsPerOrigin'],
    keepAliveTimeoutMs: settings['pool.keepAliveTimeoutMs'],
    maxRequestsPerSocket: settings['pool.maxRequestsPerSocket'],
    http2: settings['pool.http2'],
    maxIdleOrigins: settings['pool.maxIdleOrigins'],
    verifyTls: settings['download.verifyTls'],
    onWarning: (message: string) => logger.warn(message),
  };
}
