/**
 * One download at a time through the same chain a crawl uses (transport + downloader
 * middlewares, built from the settings), for `fetch`, `shell`, `parse` and `check`.
 *
 * A crawl sends a request a middleware returns (a retry, a redirect hop) back through the
 * frontier; here there is no frontier, so the fetcher re-issues it itself, waiting for its
 * `meta.notBefore`, at most `maxHops` times.
 */
import { BrowserHandler } from '../browser/browser-handler.js';
import { DEFAULT_DOWNLOADER_MIDDLEWARES, Downloader } from '../downloader/downloader.js';
import type { DownloaderMiddlewareClass, MiddlewareContext } from '../downloader/middleware.js';
import { Transport } from '../downloader/transport.js';
import { transportOptionsFrom } from '../downloader/transport-settings.js';
import { ArachneError } from '../errors.js';
import { Request } from '../http/request.js';
import type { Response } from '../http/response.js';
import type { Logger } from '../log.js';
import { Stats } from '../stats.js';
import type { SettingValues } from '../settings/defaults.js';

export interface FetcherOptions {
  settings: Readonly<SettingValues>;
  logger: Logger;
  /** Default `DEFAULT_DOWNLOADER_MIDDLEWARES`. */
  middlewares?: readonly DownloaderMiddlewareClass[];
}

/** Reads a setting another component may or may not have declared yet (redirect.*). */
function optionalNumber(settings: Readonly<SettingValues>, key: string): number {
  const value = (settings as unknown as Record<string, unknown>)[key];
  return typeof value === 'number' ? value : 0;
}

export class Fetcher {
  readonly stats = new Stats();
  readonly #downloader: Downloader;
  readonly #maxHops: number;

  constructor(options: FetcherOptions) {
    const { settings, logger } = options;
    const context: MiddlewareContext = { settings, stats: this.stats, logger: logger.child('downloader'), now: () => Date.now(), random: Math.random };
    const transport = new Transport(transportOptionsFrom(settings, logger));
    // Chromium starts only if a request asks for it (`--browser`, `meta.browser`, `browser.mode`).
    const browser = new BrowserHandler({ settings, stats: this.stats, logger: logger.child('browser') });
    this.#downloader = new Downloader(transport, context, options.middlewares ?? DEFAULT_DOWNLOADER_MIDDLEWARES, browser);
    this.#maxHops = optionalNumber(settings, 'redirect.maxTimes') + (settings['retry.enabled'] ? settings['retry.times'] : 0) + 1;
  }

  /** Downloads `target`, following the requests middlewares return; resolves with the final response. */
  async fetch(target: Request | string): Promise<Response> {
    let request = typeof target === 'string' ? new Request({ url: target }) : target;
    for (let hop = 0; hop < this.#maxHops; hop++) {
      const result = await this.#downloader.fetch(request);
      if (!(result instanceof Request)) return result;
      const wait = (result.meta.notBefore ?? 0) - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      request = result;
    }
    throw new ArachneError('ERR_TOO_MANY_HOPS', 'drop', `${String(target instanceof Request ? target.url : target)} took more than ${this.#maxHops} redirects and retries`, {
      hint: 'the site may redirect in a loop; try --no-redirect to see the first response',
    });
  }

  async close(): Promise<void> {
    await this.#downloader.close();
  }
}
