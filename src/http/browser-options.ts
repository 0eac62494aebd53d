/**
 * What a request may ask of the browser (`meta.browser`), and what a rendered response carries
 * back (`response.browser`). Plain data only: these travel in `meta` (job stores, parse workers)
 * and in the response sent to a parse worker. The browser itself lives in src/browser/.
 */

/** When navigation counts as done (Playwright's `waitUntil`). */
export type BrowserWaitUntil = 'commit' | 'domcontentloaded' | 'load' | 'networkidle';

/**
 * One declarative page action, run in order after navigation. Each action's result (the value of
 * `evaluate`, `null` for the others) is in `response.browser.actions`, in the same order.
 */
export type BrowserAction =
  /** Click the first element matching a CSS selector (waits for it to be actionable). */
  | { click: string; optional?: boolean }
  /** Type `value` into the input matching a CSS selector. */
  | { fill: string; value: string }
  /**
   * Scroll to the bottom up to `times` times, each time waiting (up to `waitMs`, default 2 000)
   * for the page to grow; stops early once it no longer grows (the end of an infinite scroll).
   */
  | { scrollToBottom: { times: number; waitMs?: number } }
  /** Wait for an element matching a CSS selector (state `visible` by default). */
  | { waitForSelector: string; state?: 'attached' | 'detached' | 'visible' | 'hidden' }
  /** Wait until the page has made no network request for 500 ms. */
  | { waitForNetworkIdle: true }
  /** Run a function body in the page (`return document.title`); its JSON-serialisable result is kept. */
  | { evaluate: string };

/** Options of one browser request: `meta.browser = { ... }`. Every field is optional. */
export interface BrowserRequestOptions {
  /** When navigation is done. Default: `browser.waitUntil` (`load`). */
  waitUntil?: BrowserWaitUntil;
  /** After navigation, wait for an element matching this CSS selector to be visible. */
  waitForSelector?: string;
  /** The whole render (navigation and actions), in ms. Default: `meta.downloadTimeoutMs`, else `download.timeoutMs`. */
  timeoutMs?: number;
  /** Keep a PNG screenshot in `response.browser.screenshot` (`fullPage` for the whole page). Default false. */
  screenshot?: boolean | { fullPage?: boolean };
  /** Resource types aborted (`image`, `font`, `media`, `stylesheet`, ...). Default: `browser.blockResources`. */
  blockResources?: string[];
  /** Page actions run after navigation, in order. Default none. */
  actions?: BrowserAction[];
  /**
   * Escape hatch, in-process callbacks only (`parse.workers = 0`): keep the live page open and
   * hand it to the callback as `response.browser.page` (a playwright-core `Page`). It is closed
   * when the callback ends. Default false.
   */
  keepPage?: boolean;
}

/**
 * `meta.browser`: `true` renders with the defaults, an object renders with those options,
 * `'auto'` fetches over HTTP first and renders only when needed, `false` never renders (whatever
 * `browser.mode` says).
 */
export type BrowserMeta = boolean | 'auto' | BrowserRequestOptions;

/** What the browser adds to a rendered response (`response.browser`). */
export interface BrowserResult {
  /** One entry per `actions` entry: the `evaluate` result, `null` for other actions. */
  actions: unknown[];
  /** The PNG screenshot when `screenshot` was asked for. */
  screenshot?: Uint8Array;
  /** Requests the page made besides the main document (blocked ones included), and how many were blocked. */
  subrequests: number;
  blocked: number;
  /** Bytes of the subresponses' bodies, as announced by their `content-length` (best effort). */
  subresponseBytes: number;
  /** When the page's DOMContentLoaded and load fired, in ms after navigation started (when they did). */
  domContentLoadedMs?: number;
  loadMs?: number;
  /** The live playwright-core `Page` (only with `keepPage` and in-process callbacks); cast it to `Page`. */
  page?: unknown;
}
