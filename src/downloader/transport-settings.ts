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
    connectionsPerOrigin: settings['pool.connectionsPerOrigin'] || settings['concurrency.perDomain'],
    keepAliveTimeoutMs: settings['pool.keepAliveTimeoutMs'],
    maxRequestsPerSocket: settings['pool.maxRequestsPerSocket'],
    http2: settings['pool.http2'],
    verifyTls: settings['download.verifyTls'],
    onWarning: (message: string) => logger.warn(message),
  };
}
