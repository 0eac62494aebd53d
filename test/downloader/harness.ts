/** A Downloader built from settings, outside a crawl: for middleware tests that call it directly. */
import { Stats } from '../../src/stats.js';
import { Downloader } from '../../src/downloader/downloader.js';
import type { DownloaderMiddlewareClass, MiddlewareContext } from '../../src/downloader/middleware.js';
import { Transport, type TransportOptions } from '../../src/downloader/transport.js';
import { createLogger } from '../../src/log.js';
import { mergeSettings } from '../../src/settings/config.js';
import type { SettingValues } from '../../src/settings/defaults.js';

export interface Harness {
  downloader: Downloader;
  context: MiddlewareContext;
  stats: Stats;
  /** `setMinDelay` calls the slots received: [slot key, ms]. */
  minDelays: [string, number][];
  /** Set the clock the middlewares read. */
  clock: { now: number };
}

export function harness(
  settings: Partial<SettingValues> = {},
  options: { middlewares?: readonly DownloaderMiddlewareClass[]; transport?: TransportOptions; random?: () => number } = {},
): Harness {
  const stats = new Stats();
  const minDelays: [string, number][] = [];
  const clock = { now: 1_000_000 };
  const context: MiddlewareContext = {
    settings: mergeSettings(settings),
    stats,
    logger: createLogger('test', 'silent', () => {}),
    now: () => clock.now,
    random: options.random ?? (() => 0.5),
    slots: { observe() {}, pause() {}, setMinDelay: (key, ms) => void minDelays.push([key, ms]) },
  };
  const downloader = new Downloader(new Transport({ timeoutMs: 5_000, ...options.transport }), context, options.middlewares);
  return { downloader, context, stats, minDelays, clock };
}
