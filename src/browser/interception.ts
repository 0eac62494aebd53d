/**
 * Everything Arachne does to a page's requests, in ONE pause per request: a CDP session on the
 * page with the Fetch domain, which pauses requests inside Chromium's own network stack (the
 * document goes out on Chromium's sockets, through the context's proxy with its credentials,
 * with Chromium's TLS and HTTP/2 fingerprint). Only the requests something is done to pause at
 * all:
 *
 * - Blocked resource types (`browser.blockResources`) pause at the request stage and are failed
 *   (`BlockedByClient`) before they go out. Other subresources (scripts, XHR, styles) never pause.
 *   The favicon Chromium asks for is refused too (as Playwright's routing does).
 * - Documents pause at the request stage. The page is fresh, so its first document is the
 *   navigation: it goes out as Arachne built it (method, body, the headers the middlewares set),
 *   and only it pauses once more, at the response stage (`interceptResponse`), so its 3xx can be
 *   stopped before Chromium follows it (below). Frames' documents continue untouched.
 * - A later document of the main frame is a navigation the page's own script started (`location =
 *   ...`, a form, a meta refresh): its URL is admitted as a request's is (`allowedDomains`), and
 *   one that is not admitted is cancelled (`Aborted`: no error page, the page stays on what it
 *   rendered) before it reaches the other host.
 *
 * Redirects: Chromium follows no redirect of the main document. Its 3xx is answered by failing it
 * (`Aborted`) before any request to its Location is made, and handed back as a normal 3xx
 * `Response`; the redirect middleware above the browser handler makes the hop as it does for the
 * transport's, so the hop passes the one admission path (offsite and `allowedDomains`, depth, URL
 * length, the seen set, robots.txt, its own host's slot), `redirect.maxTimes` and loop checks, and
 * loses its credentials on an origin change; it keeps `meta.browser`, so it is rendered in its
 * turn. Playwright's `page.route` sees only the first request of a chain and its `request` event
 * comes after the hop went out; `route.fetch({ maxRedirects: 0 })` sees each hop but sends the
 * document from Playwright's own Node HTTP client, not Chromium's.
 *
 * Why not `page.route` for the rest: Playwright's route pauses every request of the page (its
 * Fetch pattern is `*`, scripts and XHR included), and the redirect stop then needed a second
 * session chained behind it; one session with narrow patterns pauses only what it acts on, with
 * no Playwright route objects in Node, and keeps every decision in one place (docs/browser.md,
 * Figures).
 */
import type { CDPSession, Page } from 'playwright-core';
import type { ResponseHeaders } from '../http/response.js';

/** Statuses with a Location to follow (the redirect middleware follows the same). */
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Chromium's resource types (CDP `Network.ResourceType`); Playwright's names are these, lower-cased. */
const CDP_TYPES = ['Stylesheet', 'Image', 'Media', 'Font', 'Script', 'TextTrack', 'XHR', 'Fetch', 'Prefetch', 'EventSource', 'WebSocket', 'Manifest', 'SignedExchange', 'Ping', 'CSPViolationReport', 'Preflight', 'Other'] as const;

/** The main document's 3xx, stopped before Chromium followed it. */
export interface StoppedRedirect {
  status: number;
  headers: ResponseHeaders;
}

export interface InterceptionOptions {
  /** Resource types to fail (Playwright's names: `image`, `font`, `media`, ...). */
  block: ReadonlySet<string>;
  /** The navigation as Arachne built it. */
  method: string;
  /** Request headers to set on the navigation (lower-case names), over Chromium's own. */
  headers: Readonly<Record<string, string>>;
  body: string | Uint8Array | null;
  /** Whether the page's script may navigate the main frame to `url` (`allowedDomains`). */
  admits: (url: string) => boolean;
}

interface RequestPaused {
  requestId: string;
  request: { url: string; headers: Record<string, string> };
  frameId: string;
  resourceType: string;
  responseStatusCode?: number;
  responseErrorReason?: string;
  responseHeaders?: { name: string; value: string }[];
}

/** One page's request interception; call `PageInterception.on(page, ...)` before the navigation. */
export class PageInterception {
  /** Set when the navigation answered with a redirect (stopped, not followed). */
  stopped: StoppedRedirect | undefined;
  /** Requests failed because of their type. */
  blocked = 0;
  /**
   * Settles when a script navigation was refused. A navigation started while the document loads
   * aborts its loading (HTML's "navigate" aborts the document): its `load` never fires, so the
   * render stops waiting for it and takes the page as it is.
   */
  readonly refused: Promise<void>;
  #refuse!: () => void;
  readonly #session: CDPSession;
  readonly #options: InterceptionOptions;
  #mainFrame: string | undefined;

  private constructor(session: CDPSession, options: InterceptionOptions) {
    this.#session = session;
    this.#options = options;
    this.refused = new Promise<void>((resolve) => (this.#refuse = resolve));
    session.on('Fetch.requestPaused', (event: RequestPaused) => this.#paused(event));
  }

  static async on(page: Page, options: InterceptionOptions): Promise<PageInterception> {
    const session = await page.context().newCDPSession(page);
    const interception = new PageInterception(session, options);
    const patterns: { urlPattern: string; resourceType?: (typeof CDP_TYPES)[number] | 'Document'; requestStage: 'Request' }[] = [{ urlPattern: '*', resourceType: 'Document', requestStage: 'Request' }];
    // Chromium asks for /favicon.ico of every page it shows; a crawl has no tab to put it on.
    patterns.push({ urlPattern: '*/favicon.ico', requestStage: 'Request' });
    for (const type of CDP_TYPES) if (options.block.has(type.toLowerCase())) patterns.push({ urlPattern: '*', resourceType: type, requestStage: 'Request' });
    // As with `page.route` before: every request goes to the network, none is served from the
    // HTTP cache (a crawl wants the site as it is now, and the benchmark's loop runs so too).
    await Promise.all([session.send('Fetch.enable', { patterns }), session.send('Network.setCacheDisabled', { cacheDisabled: true })]);
    return interception;
  }

  #paused(event: RequestPaused): void {
    if (event.responseStatusCode !== undefined || event.responseErrorReason !== undefined) return this.#response(event);
    const { requestId, resourceType, frameId } = event;
    if (resourceType !== 'Document' && !this.#options.block.has(resourceType.toLowerCase())) {
      // The favicon (its own pattern), not a resource of the page.
      return this.#send('Fetch.failRequest', { requestId, errorReason: 'Aborted' });
    }
    if (resourceType !== 'Document') {
      this.blocked++;
      return this.#send('Fetch.failRequest', { requestId, errorReason: 'BlockedByClient' });
    }
    if (this.#mainFrame === undefined) {
      this.#mainFrame = frameId;
      return this.#send('Fetch.continueRequest', { requestId, interceptResponse: true, ...this.#overrides(event) });
    }
    if (frameId === this.#mainFrame && !this.#options.admits(event.request.url)) {
      // `Aborted` commits no error page: the page stays on the document it had.
      this.#send('Fetch.failRequest', { requestId, errorReason: 'Aborted' });
      return this.#refuse();
    }
    if (frameId !== this.#mainFrame && this.#options.block.has('document')) {
      this.blocked++;
      return this.#send('Fetch.failRequest', { requestId, errorReason: 'BlockedByClient' });
    }
    this.#send('Fetch.continueRequest', { requestId });
  }

  /** The navigation's response (the only request paused at this stage): a 3xx is stopped. */
  #response(event: RequestPaused): void {
    const status = event.responseStatusCode ?? 0;
    const location = event.responseHeaders?.find((h) => h.name.toLowerCase() === 'location');
    if (this.stopped === undefined && REDIRECT_STATUSES.has(status) && location !== undefined) {
      const headers: ResponseHeaders = {};
      // CDP joins repeated headers with newlines: Set-Cookie lines go to the crawl's jar one by one.
      for (const { name, value } of event.responseHeaders!) {
        const key = name.toLowerCase();
        headers[key] = key === 'set-cookie' ? value.split('\n') : value;
      }
      this.stopped = { status, headers };
      return this.#send('Fetch.failRequest', { requestId: event.requestId, errorReason: 'Aborted' });
    }
    this.#send('Fetch.continueRequest', { requestId: event.requestId });
  }

  /** The navigation's method, body and headers as Arachne built them; Chromium adds the rest. */
  #overrides(event: RequestPaused): { method?: string; postData?: string; headers?: { name: string; value: string }[] } {
    const { method, headers, body } = this.#options;
    const merged = new Map<string, string>();
    for (const [name, value] of Object.entries(event.request.headers)) merged.set(name.toLowerCase(), value);
    for (const [name, value] of Object.entries(headers)) merged.set(name, value);
    return {
      ...(method === 'GET' ? {} : { method }),
      ...(body === null ? {} : { postData: Buffer.from(body).toString('base64') }),
      ...(Object.keys(headers).length === 0 ? {} : { headers: [...merged].map(([name, value]) => ({ name, value })) }),
    };
  }

  #send(method: 'Fetch.continueRequest' | 'Fetch.failRequest', params: Record<string, unknown>): void {
    // The page may close under a paused request: nothing to answer then.
    (this.#session.send as (m: string, p: Record<string, unknown>) => Promise<unknown>)(method, params).catch(() => {});
  }
}
