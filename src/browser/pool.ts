/**
 * The browser's resources, bounded: one Chromium (launched on first use, relaunched after a
 * crash), one context per (proxy, cookie jar) made on demand with the proxy's credentials and
 * recycled after `browser.pagesPerContext` pages, and at most `browser.maxPages` pages open.
 *
 * Why contexts per proxy: Chromium takes a proxy per context (Playwright `newContext({proxy})`),
 * and a context is a cheap, isolated profile (cookies, cache), so the pool's choice of proxy for
 * a request (`meta.proxyId`) maps onto the context the page opens in. Recycling bounds what a
 * context accumulates (cache, cookies, service workers) over a long crawl.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { RetryableError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Stats } from '../stats.js';
import { findChromium } from './executable.js';
import { loadPlaywright, type Playwright } from './playwright.js';

/**
 * Flags for headless Chromium in a crawler (the same as test/report/chromium.ts): no sandbox
 * (containers without user namespaces cannot start it), no GPU, and none of Chromium's own
 * background traffic (updates, sync, safe browsing), which only costs time and sockets.
 * `<-loopback>` removes Chromium's implicit proxy bypass for localhost, so a proxy applies to
 * every host as it does for HTTP requests. `--disable-site-isolation-trials` keeps cross-site
 * iframes in their page's renderer, where the page's Fetch session (interception.ts) sees their
 * requests: in a renderer of their own their images and fonts were not blocked (a crawler's pages
 * hold no user data for site isolation to protect, and it saves a process per foreign frame).
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-extensions',
  '--mute-audio',
  '--proxy-bypass-list=<-loopback>',
  '--disable-site-isolation-trials',
];

export interface BrowserPoolOptions {
  executablePath: string;
  launchTimeoutMs: number;
  maxPages: number;
  pagesPerContext: number;
  /** Pool proxies by id: their URLs, credentials included (never logged). */
  proxies: ReadonlyMap<string, string>;
  logger: Logger;
  stats: Stats;
  /** Loads playwright-core (tests replace it to check the missing-package error). */
  load?: () => Promise<Playwright>;
}

interface ContextEntry {
  key: string;
  context: Promise<BrowserContext>;
  /** Pages opened in this context so far, and open now. */
  served: number;
  open: number;
  retired: boolean;
}

/** A page lent to one request; `release()` closes it and frees its place. */
export interface PageLease {
  page: Page;
  browser: Browser;
  release(): Promise<void>;
}

/** Playwright's proxy option from a proxy URL: the server, and its credentials apart. */
export function playwrightProxy(url: string): { server: string; username?: string; password?: string } {
  const parsed = new URL(url);
  const server = `${parsed.protocol}//${parsed.host}`;
  if (parsed.username === '') return { server };
  return { server, username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
}

export class BrowserPool {
  readonly #options: BrowserPoolOptions;
  #browser: Promise<Browser> | undefined;
  readonly #contexts = new Map<string, ContextEntry>();
  #open = 0;
  /** Pages made and not yet released (the peak is a stat: never above `browser.maxPages`). */
  #pagesOpen = 0;
  readonly #waiting: (() => void)[] = [];
  #closed = false;

  constructor(options: BrowserPoolOptions) {
    this.#options = options;
  }

  /** Pages open now (for tests and stats). */
  get openPages(): number {
    return this.#open;
  }

  /** Contexts alive now. */
  get contexts(): number {
    return this.#contexts.size;
  }

  /**
   * A fresh page in the context of `proxy` (a pool id or a proxy URL; undefined = direct) and
   * cookie jar `jar`, once fewer than `browser.maxPages` are open.
   */
  async acquire(proxy: string | undefined, jar: string): Promise<PageLease> {
    await this.#slot();
    let entry: ContextEntry | undefined;
    try {
      // Bounded like the launch: a browser killed while a context or page was being made must
      // not leave this request waiting for an answer that never comes.
      const browser = await within(this.#launch(), this.#options.launchTimeoutMs, 'a running Chromium');
      entry = this.#context(browser, proxy, jar);
      entry.served++;
      entry.open++;
      if (entry.served >= this.#options.pagesPerContext) this.#retire(entry);
      const made = entry;
      const page = await within(
        made.context.then((context) => context.newPage()),
        this.#options.launchTimeoutMs,
        'a new page',
        () => this.#forget(browser),
      );
      this.#options.stats.inc('browser/pages_opened');
      this.#pagesOpen++;
      this.#options.stats.max('browser/pages_open_peak', this.#pagesOpen);
      const held = entry;
      let released = false;
      return {
        page,
        browser,
        release: async () => {
          if (released) return;
          released = true;
          // The budget unit first: closing a page of a browser that was just killed can wait
          // forever (seen: a SIGKILLed Chromium left every page unit held, the crawl stalled).
          this.#done(held);
          this.#pagesOpen--;
          await settleWithin(page.close(), PAGE_CLOSE_MS);
        },
      };
    } catch (error) {
      if (entry) this.#done(entry);
      else this.#free();
      throw error;
    }
  }

  /** Closes the browser (every context and page with it). */
  async close(): Promise<void> {
    // Leak check: pages and contexts still open when the crawl ends (0 and 0 unless one leaked).
    this.#options.stats.set('browser/pages_open_at_close', this.#pagesOpen);
    this.#options.stats.set('browser/contexts_open_at_close', [...this.#contexts.values()].filter((e) => e.open > 0).length);
    this.#closed = true;
    const browser = this.#browser;
    this.#browser = undefined;
    this.#contexts.clear();
    for (const wake of this.#waiting.splice(0)) wake();
    if (browser) await browser.then((b) => b.close()).catch(() => {});
  }

  #slot(): Promise<void> {
    if (this.#open < this.#options.maxPages) {
      this.#open++;
      return Promise.resolve();
    }
    // `#free` hands its place over to the first waiter without decrementing `#open`.
    return new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  #free(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#open--;
  }

  #done(entry: ContextEntry): void {
    entry.open--;
    if (entry.retired && entry.open === 0) void entry.context.then((c) => c.close()).catch(() => {});
    this.#free();
  }

  #retire(entry: ContextEntry): void {
    entry.retired = true;
    if (this.#contexts.get(entry.key) === entry) this.#contexts.delete(entry.key);
    this.#options.stats.inc('browser/contexts_recycled');
  }

  #context(browser: Browser, proxy: string | undefined, jar: string): ContextEntry {
    const key = `${proxy ?? ''}\u0000${jar}`;
    let entry = this.#contexts.get(key);
    if (entry === undefined) {
      const url = proxy === undefined ? undefined : (this.#options.proxies.get(proxy) ?? proxy);
      const context = browser.newContext({
        ...(url ? { proxy: playwrightProxy(url) } : {}),
        viewport: { width: 1280, height: 900 },
        // Rendering a page is the goal; service workers would serve from their own caches.
        serviceWorkers: 'block',
      });
      entry = { key, context, served: 0, open: 0, retired: false };
      this.#contexts.set(key, entry);
      this.#options.stats.inc('browser/contexts_created');
      this.#options.stats.max('browser/contexts_peak', this.#contexts.size);
      const made = entry;
      context.catch(() => {
        if (this.#contexts.get(key) === made) this.#contexts.delete(key);
      });
    }
    return entry;
  }

  /** The running browser, launched once; after a crash (`disconnected`) the next call relaunches. */
  #launch(): Promise<Browser> {
    if (this.#closed) return Promise.reject(new RetryableError('ERR_BROWSER_CLOSED', 'the browser is closed: the crawl is closing'));
    this.#browser ??= this.#start();
    // A browser that died before its `disconnected` event ran is not handed out again.
    return this.#browser.then((browser) => (browser.isConnected() ? browser : this.#relaunch(browser)));
  }

  /** Drops a browser that stopped answering: the next page launches a new one. */
  #forget(browser: Browser): void {
    void this.#browser?.then((current) => {
      if (current !== browser) return;
      this.#browser = undefined;
      this.#contexts.clear();
      void browser.close().catch(() => {});
    });
  }

  #relaunch(dead: Browser): Promise<Browser> {
    void dead;
    this.#browser = undefined;
    this.#contexts.clear();
    return this.#launch();
  }

  async #start(): Promise<Browser> {
    const { chromium } = await (this.#options.load ?? loadPlaywright)();
    const executablePath = findChromium(this.#options.executablePath, () => chromium.executablePath());
    const started = performance.now();
    let browser: Browser;
    try {
      browser = await chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS], timeout: this.#options.launchTimeoutMs });
    } catch (error) {
      this.#browser = undefined;
      throw new RetryableError('ERR_BROWSER_LAUNCH', `Chromium at ${executablePath} did not start within ${this.#options.launchTimeoutMs} ms: ${firstLine(error)}`, {
        hint: 'check that it runs (chromium --headless --no-sandbox --version), or raise browser.launchTimeoutMs',
        cause: error,
      });
    }
    this.#options.stats.inc('browser/launches');
    this.#options.logger.info(`browser: Chromium ${browser.version()} started in ${Math.round(performance.now() - started)} ms (${executablePath})`);
    const current = this.#browser;
    browser.on('disconnected', () => {
      if (this.#closed) return;
      this.#options.stats.inc('browser/crashes');
      // Already replaced (a page found it dead first): nothing more to forget.
      if (this.#browser !== current) return;
      // A crash (or a killed process): forget it and its contexts; the next page relaunches.
      this.#browser = undefined;
      this.#contexts.clear();
      this.#options.logger.warn('browser: Chromium exited; the pages it held fail and are retried, the next page starts a new one');
    });
    return browser;
  }
}

/** `promise`, or a retryable ERR_BROWSER_LAUNCH once `ms` passed without an answer (then `onTimeout`). */
async function within<T>(promise: Promise<T>, ms: number, what: string, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new RetryableError('ERR_BROWSER_LAUNCH', `the browser gave no ${what} within ${ms} ms (browser.launchTimeoutMs)`, {
        hint: 'the browser may have died; it is restarted on the next page. Raise browser.launchTimeoutMs on a slow machine',
      }));
    }, ms);
    timer.unref();
  });
  promise.catch(() => {});
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** How long a page's close may take before its lease stops waiting for it. */
const PAGE_CLOSE_MS = 5_000;

/** Waits for `promise` to settle, at most `ms` (an unref'd timer: it keeps no process alive). */
async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  await Promise.race([promise.then(() => {}, () => {}), elapsed]);
  clearTimeout(timer);
}

function firstLine(error: unknown): string {
  return String((error as Error).message ?? error).split('\n')[0]!;
}
