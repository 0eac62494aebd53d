/**
 * One page render: navigate, wait, run the actions, and turn the result into a normal `Response`
 * (status and headers of the main document, the rendered HTML as body) that goes to a parse
 * worker like any other. Failures come out as Arachne's coded errors, so the retry and proxy
 * middlewares treat a browser attempt as they treat an HTTP one.
 */
import type { Page, Request as PageRequest } from 'playwright-core';
import { ArachneError, DropRequestError, RetryableError } from '../errors.js';
import type { BrowserAction, BrowserRequestOptions, BrowserResult } from '../http/browser-options.js';
import type { Request } from '../http/request.js';
import { Response, type ResponseHeaders } from '../http/response.js';
import { runActions } from './actions.js';
import { PageInterception } from './interception.js';

export interface RenderSettings {
  waitUntil: NonNullable<BrowserRequestOptions['waitUntil']>;
  block: ReadonlySet<string>;
  timeoutMs: number;
  maxBytes: number;
  actions: readonly BrowserAction[];
  options: BrowserRequestOptions;
  /** Whether a navigation the page's script starts may go to this URL (`allowedDomains`). */
  admits: (url: string) => boolean;
}

/** Request headers Chromium sets itself (or that would be wrong after its own encoding). */
const BROWSER_OWNED = new Set(['host', 'content-length', 'accept-encoding', 'connection', 'cookie']);

const left = (until: number): number => Math.max(1, Math.round(until - performance.now()));

/** The `cookie` header of a request as Playwright cookies for its URL (the jar's, sent by the cookies middleware). */
export function cookiesOf(request: Request): { name: string; value: string; url: string }[] {
  const header = request.headers.cookie;
  if (!header) return [];
  const cookies: { name: string; value: string; url: string }[] = [];
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    const name = (eq < 0 ? '' : pair.slice(0, eq)).trim();
    if (name === '') continue;
    cookies.push({ name, value: pair.slice(eq + 1).trim(), url: request.url });
  }
  return cookies;
}

function isHtmlType(type: string | undefined): boolean {
  return type === undefined || /^\s*(text\/html|application\/xhtml\+xml)/i.test(type);
}

/** Renders `request` on `page` and builds its `Response`; throws what Playwright throws (mapped by `browserError`). */
export async function render(page: Page, request: Request, s: RenderSettings, dispatchedAt: number): Promise<Response> {
  const until = dispatchedAt + s.timeoutMs;
  const result: BrowserResult = { actions: [], subrequests: 0, blocked: 0, subresponseBytes: 0 };
  let main: PageRequest | undefined;
  let headersAt: number | undefined;
  const extra: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) if (!BROWSER_OWNED.has(name)) extra[name] = value;

  page.on('request', (req) => {
    if (main === undefined && req.isNavigationRequest() && req.frame() === page.mainFrame()) main = req;
    else if (req !== main && req.redirectedFrom() !== main) result.subrequests++;
  });
  page.on('response', (res) => {
    if (res.request() === main || res.request().redirectedFrom() === main) {
      headersAt ??= performance.now();
      return;
    }
    const length = Number(res.headers()['content-length']);
    if (length > 0) result.subresponseBytes += length;
  });
  page.once('domcontentloaded', () => (result.domContentLoadedMs = Math.round(performance.now() - dispatchedAt)));
  page.once('load', () => (result.loadMs = Math.round(performance.now() - dispatchedAt)));
  const cookies = cookiesOf(request);
  // One Fetch session pauses what Arachne acts on: blocked types, the navigation (sent as Arachne
  // built it; its 3xx stopped for the redirect middleware), script navigations (interception.ts).
  // The set-up calls go to Chromium at once.
  const [interception] = await Promise.all([
    PageInterception.on(page, { block: s.block, method: request.method, headers: extra, body: request.body, admits: s.admits }),
    cookies.length > 0 ? page.context().addCookies(cookies) : undefined,
  ]);
  let response: Awaited<ReturnType<Page['goto']>>;
  try {
    const navigation = page.goto(request.url, { waitUntil: s.options.waitUntil ?? s.waitUntil, timeout: left(until) });
    navigation.catch(() => {});
    // A refused script navigation ends the wait for `load` (which then never fires): the page is
    // taken as it is, with the navigation's response.
    response = await Promise.race([navigation, interception.refused.then(() => main?.response() ?? null)]);
  } catch (error) {
    if (interception.stopped === undefined) throw error;
    response = null;
  }
  if (interception.stopped !== undefined) {
    result.blocked = interception.blocked;
    return new Response({
      url: request.url,
      ...interception.stopped,
      body: Buffer.alloc(0),
      request,
      timings: { dispatchedAt, ...(headersAt === undefined ? {} : { headersAt }), doneAt: performance.now() },
      flags: ['browser'],
      browser: result,
    });
  }
  if (response === null) {
    throw new DropRequestError('ERR_BROWSER_NO_RESPONSE', `the browser got no document for ${request.url}`, { hint: 'only http(s) pages can be rendered' });
  }
  if (s.options.waitForSelector) await page.waitForSelector(s.options.waitForSelector, { timeout: left(until) });
  result.actions = await runActions(page, s.actions, until);

  // One round of calls to Chromium: headers, the body, the cookies, the server's address.
  const html = isHtmlType(response.headers()['content-type']);
  const [raw, body, jar, server] = await Promise.all([
    response.allHeaders(),
    // The rendered DOM for a page; the bytes as received for anything else (JSON, text).
    html ? page.content().then((text) => Buffer.from(text, 'utf8')) : response.body(),
    // Cookies the server or the page's scripts set, as Set-Cookie lines for the crawl's jar.
    page.context().cookies(page.url()),
    response.serverAddr().catch(() => null),
  ]);
  const headers: ResponseHeaders = {};
  for (const [name, value] of Object.entries(raw)) {
    if (name === 'content-encoding' || name === 'content-length' || name === 'transfer-encoding' || name === 'set-cookie') continue;
    headers[name] = value;
  }
  if (html) headers['content-type'] = 'text/html; charset=utf-8';
  if (s.maxBytes > 0 && body.length > s.maxBytes) {
    throw new DropRequestError('ERR_RESPONSE_TOO_LARGE', `the rendered page of ${request.url} exceeds download.maxResponseBytes (${s.maxBytes} bytes)`, {
      hint: 'raise download.maxResponseBytes (or meta.maxResponseBytes for this request); 0 means no cap',
    });
  }
  if (jar.length > 0) headers['set-cookie'] = jar.map(setCookieLine);
  const shot = s.options.screenshot;
  result.blocked = interception.blocked;
  if (shot) result.screenshot = await page.screenshot({ fullPage: typeof shot === 'object' && shot.fullPage === true, timeout: left(until) });
  return new Response({
    url: page.url(),
    status: response.status(),
    headers,
    body,
    request,
    ...(server ? { ip: server.ipAddress } : {}),
    timings: { dispatchedAt, ...(headersAt === undefined ? {} : { headersAt }), doneAt: performance.now() },
    flags: ['browser'],
    browser: result,
  });
}

function setCookieLine(c: { name: string; value: string; domain: string; path: string; expires: number; secure: boolean; httpOnly: boolean; sameSite: string }): string {
  let line = `${c.name}=${c.value}; Domain=${c.domain}; Path=${c.path}`;
  if (c.expires > 0) line += `; Expires=${new Date(c.expires * 1000).toUTCString()}`;
  if (c.secure) line += '; Secure';
  if (c.httpOnly) line += '; HttpOnly';
  return line;
}

/** Chromium's net errors, mapped onto the codes the retry and proxy middlewares know. */
const NET_ERRORS: Record<string, string> = {
  ERR_CONNECTION_REFUSED: 'ERR_CONNECTION_REFUSED',
  ERR_PROXY_CONNECTION_FAILED: 'ERR_CONNECTION_REFUSED',
  ERR_TUNNEL_CONNECTION_FAILED: 'ERR_CONNECTION_REFUSED',
  ERR_CONNECTION_RESET: 'ERR_CONNECTION_RESET',
  ERR_CONNECTION_CLOSED: 'ERR_CONNECTION_RESET',
  ERR_EMPTY_RESPONSE: 'ERR_CONNECTION_RESET',
  ERR_NAME_NOT_RESOLVED: 'ERR_DNS',
  ERR_TIMED_OUT: 'ERR_DOWNLOAD_TIMEOUT',
  ERR_CONNECTION_TIMED_OUT: 'ERR_CONNECT_TIMEOUT',
  ERR_PROXY_AUTH_UNSUPPORTED: 'ERR_PROXY_AUTH',
  ERR_INVALID_AUTH_CREDENTIALS: 'ERR_PROXY_AUTH',
};

/**
 * A Playwright failure as a coded error. `crashed` says the browser went away under the page:
 * every page it held fails with ERR_BROWSER_CRASHED, retried like a reset connection. Only the
 * first line of Playwright's message is kept (its call log repeats the navigation options).
 */
export function browserError(error: unknown, url: string, timeoutMs: number, crashed: boolean): ArachneError {
  if (error instanceof ArachneError) return error;
  const message = String((error as Error)?.message ?? error).split('\n')[0]!;
  if (crashed || /Target page, context or browser has been closed|Browser has been closed|Target crashed|Page crashed/i.test(message)) {
    return new RetryableError('ERR_BROWSER_CRASHED', `the browser went away while rendering ${url} (${message})`, {
      hint: 'the page is retried in a fresh browser (retry.times); if it keeps happening, lower browser.maxPages',
      cause: error,
    });
  }
  if ((error as Error)?.name === 'TimeoutError') {
    return new RetryableError('ERR_DOWNLOAD_TIMEOUT', `rendering ${url} took longer than ${timeoutMs} ms (download.timeoutMs)`, {
      hint: 'raise download.timeoutMs (or meta.browser.timeoutMs), or wait for less (waitUntil: "domcontentloaded", a waitForSelector)',
      cause: error,
    });
  }
  const net = /net::(ERR_[A-Z_]+)/.exec(message)?.[1];
  if (net !== undefined) {
    return new RetryableError(NET_ERRORS[net] ?? 'ERR_DOWNLOAD_FAILED', `the browser could not load ${url} (net::${net})`, { cause: error });
  }
  return new RetryableError('ERR_BROWSER_FAILED', `rendering ${url} failed: ${message}`, { cause: error });
}
