import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fingerprint } from '../../http/fingerprint.js';
import { Request } from '../../http/request.js';
import { Response, type ResponseHeaders } from '../../http/response.js';
import type { SettingValues } from '../../settings/defaults.js';
import type { DownloaderMiddleware, Handler, MiddlewareContext } from '../middleware.js';

/** What is stored next to each body: enough to rebuild the response. */
interface CacheEntry {
  url: string;
  status: number;
  headers: ResponseHeaders;
  flags: string[];
  /** When it was stored, ms since the epoch (the crawl clock). */
  storedAt: number;
}

/**
 * A filesystem HTTP cache for development (Scrapy's HttpCacheMiddleware with its
 * FilesystemCacheStorage and DummyPolicy): every response is stored under `httpCache.dir`, keyed
 * by the request fingerprint (method, canonical URL, body), and a re-run is served from disk
 * without touching the server. It is not an RFC 9111 cache: Cache-Control is ignored on purpose,
 * so a run can be replayed exactly while a spider is written.
 *
 * Layout: `<dir>/<fp[0..2]>/<fp>.json` (URL, status, headers, time) and `<fp>.body` (the decoded
 * body). Writes go to a temporary name and are renamed, so a crash never leaves half an entry.
 * Served responses carry `flags: ['cached']` and no connection data. Statuses in
 * `httpCache.ignoreHttpCodes` are not stored; entries older than `httpCache.expirationMs` (0 =
 * never) are fetched again; `meta.dontCache` bypasses the cache both ways. Stats: `httpcache/hit`,
 * `httpcache/miss`, `httpcache/store`, `httpcache/errors`.
 */
export class HttpCacheMiddleware implements DownloaderMiddleware {
  static enabled(settings: Readonly<SettingValues>): boolean {
    return settings['httpCache.enabled'];
  }

  readonly #context: MiddlewareContext;
  readonly #dir: string;
  readonly #expirationMs: number;
  readonly #ignore: Set<number>;

  constructor(context: MiddlewareContext) {
    this.#context = context;
    this.#dir = resolve(context.settings['httpCache.dir']);
    this.#expirationMs = context.settings['httpCache.expirationMs'];
    this.#ignore = new Set(context.settings['httpCache.ignoreHttpCodes']);
  }

  /** The absolute directory entries are stored in. */
  get dir(): string {
    return this.#dir;
  }

  wrap(next: Handler): Handler {
    const { stats } = this.#context;
    return async (request) => {
      if (request.meta.dontCache) return next(request);
      const key = fingerprint(request);
      const cached = await this.#load(key, request);
      if (cached !== undefined) {
        stats.inc('httpcache/hit');
        return cached;
      }
      stats.inc('httpcache/miss');
      const result = await next(request);
      if (!Request.isRequest(result) && !this.#ignore.has(result.status)) await this.#store(key, result);
      return result;
    };
  }

  #paths(key: string): { folder: string; meta: string; body: string } {
    const folder = join(this.#dir, key.slice(0, 2));
    return { folder, meta: join(folder, `${key}.json`), body: join(folder, `${key}.body`) };
  }

  async #load(key: string, request: Request): Promise<Response | undefined> {
    const paths = this.#paths(key);
    let entry: CacheEntry;
    let body: Buffer;
    try {
      entry = JSON.parse(await readFile(paths.meta, 'utf8')) as CacheEntry;
      if (this.#expirationMs > 0 && this.#context.now() - entry.storedAt > this.#expirationMs) return undefined;
      body = await readFile(paths.body);
    } catch (error) {
      // A missing entry is a miss; anything else (a corrupt file) is counted and refetched.
      if ((error as { code?: string }).code !== 'ENOENT') this.#context.stats.inc('httpcache/errors');
      return undefined;
    }
    return new Response({
      url: entry.url,
      status: entry.status,
      headers: entry.headers,
      body,
      request,
      flags: [...entry.flags.filter((flag) => flag !== 'cached'), 'cached'],
    });
  }

  async #store(key: string, response: Response): Promise<void> {
    const { stats, logger } = this.#context;
    const paths = this.#paths(key);
    const entry: CacheEntry = {
      url: response.url,
      status: response.status,
      headers: response.headers,
      flags: response.flags,
      storedAt: this.#context.now(),
    };
    const suffix = `.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      await mkdir(paths.folder, { recursive: true });
      // Body first, metadata last: an entry exists only once its metadata does.
      await writeFile(paths.body + suffix, response.body);
      await rename(paths.body + suffix, paths.body);
      await writeFile(paths.meta + suffix, JSON.stringify(entry));
      await rename(paths.meta + suffix, paths.meta);
      stats.inc('httpcache/store');
    } catch (error) {
      stats.inc('httpcache/errors');
      logger.warn(`cannot store ${response.url} in the HTTP cache ${this.#dir}: ${(error as Error).message}`);
    }
  }
}
