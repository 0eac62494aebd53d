/**
 * Redirects of a rendered page obey the same admission rules as HTTP ones because Chromium does
 * not follow them: the main document's 3xx is stopped in Chromium and handed back as a normal
 * 3xx `Response`, and the redirect middleware above the browser handler turns it into a hop
 * request, as it does for the transport's. That hop passes the one admission path (offsite and
 * `allowedDomains`, depth, URL length, the seen set, robots.txt, its own host's slot),
 * `redirect.maxTimes` and loop checks, and loses its credentials on an origin change; it keeps
 * `meta.browser`, so it is rendered in its turn.
 *
 * How: a CDP session on the page with the Fetch domain, paused at the response stage for
 * documents. Playwright's `page.route` sees only the first request of a redirect chain, and the
 * `request` event comes after the hop has gone out; `route.fetch({ maxRedirects: 0 })` would see
 * each hop but sends the document from Playwright's own HTTP client, not Chromium's (another TLS
 * and HTTP/2 fingerprint, other sockets). The Fetch domain pauses inside Chromium's own network
 * stack, so the document goes out exactly as before: the same sockets, the context's proxy and
 * its credentials, Chromium's fingerprint. The 3xx is answered by failing it (`Aborted`), before
 * any request to its Location is made.
 */
import type { CDPSession, Page } from 'playwright-core';
import type { ResponseHeaders } from '../http/response.js';

/** Statuses with a Location to follow (the redirect middleware follows the same). */
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** The main document's 3xx, stopped before Chromium followed it. */
export interface StoppedRedirect {
  status: number;
  headers: ResponseHeaders;
}

interface RequestPaused {
  requestId: string;
  responseStatusCode?: number;
  responseHeaders?: { name: string; value: string }[];
}

/** Watches `page`'s first document (its navigation); `stopped` is set when it answered with a redirect. */
export class RedirectStop {
  stopped: StoppedRedirect | undefined;
  readonly #session: CDPSession;
  #seen = false;

  private constructor(session: CDPSession) {
    this.#session = session;
    session.on('Fetch.requestPaused', (event: RequestPaused) => this.#paused(event));
  }

  /** Starts watching; call before the navigation. */
  static async on(page: Page): Promise<RedirectStop> {
    const session = await page.context().newCDPSession(page);
    const stop = new RedirectStop(session);
    await session.send('Fetch.enable', { patterns: [{ urlPattern: '*', requestStage: 'Response', resourceType: 'Document' }] });
    return stop;
  }

  #paused(event: RequestPaused): void {
    const session = this.#session;
    const status = event.responseStatusCode ?? 0;
    const location = event.responseHeaders?.find((h) => h.name.toLowerCase() === 'location');
    // The page is fresh: its first document is the navigation. Frames' documents pass.
    if (!this.#seen && REDIRECT_STATUSES.has(status) && location !== undefined) {
      this.#seen = true;
      const headers: ResponseHeaders = {};
      // CDP joins repeated headers with newlines: Set-Cookie lines go to the crawl's jar one by one.
      for (const { name, value } of event.responseHeaders!) {
        const key = name.toLowerCase();
        headers[key] = key === 'set-cookie' ? value.split('\n') : value;
      }
      this.stopped = { status, headers };
      session.send('Fetch.failRequest', { requestId: event.requestId, errorReason: 'Aborted' }).catch(() => {});
      return;
    }
    session.send('Fetch.continueRequest', { requestId: event.requestId }).catch(() => {});
    if (!this.#seen) {
      // The navigation's final document: nothing more to watch.
      this.#seen = true;
      session.send('Fetch.disable').catch(() => {});
    }
  }
}
