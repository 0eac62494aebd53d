import { DropRequestError } from '../../errors.js';
import { Request } from '../../http/request.js';
import { decodeWith } from '../../http/encoding.js';
import { findMetaRefresh, type MetaRefresh } from '../../http/meta-refresh.js';
import type { Response } from '../../http/response.js';
import { headerUrl } from '../../http/url-join.js';
import type { SettingValues } from '../../settings/defaults.js';
import type { DownloaderMiddleware, Handler, MiddlewareContext } from '../middleware.js';

/** Statuses with a Location to follow (RFC 9110 section 15.4). */
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Meta refresh is looked for only in the head of a page, as browsers find it there. */
const META_REFRESH_SCAN_BYTES = 4096;

const REFRESH = /refresh/i;

/**
 * The URL and delay (ms) of a `<meta http-equiv="refresh">` in the first 4 KB of an HTML body,
 * if any; tags inside `<script>`, `<noscript>` and comments do not count (see `findMetaRefresh`).
 * The head is decoded with the page's encoding, so a non-ASCII URL keeps its characters. Scrapy
 * looks at the first 4096 characters; this looks at the first 4096 bytes.
 */
export function metaRefresh(response: Response): MetaRefresh | undefined {
  const type = response.header('content-type');
  if (type !== undefined && !type.includes('html')) return undefined;
  const body = response.body;
  const head = body.subarray(0, Math.min(body.byteLength, META_REFRESH_SCAN_BYTES));
  // Cheap test before decoding: most pages have no refresh at all.
  // (A case-insensitive regex on the latin1 string: no lower-cased copy of the page's head.)
  if (!REFRESH.test(Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('latin1'))) return undefined;
  const encoding = response.encoding;
  // Joined against the page's `<base href>` when it has one, as Scrapy (get_base_url) and browsers do.
  return findMetaRefresh(decodeWith(head, encoding), response.urljoin(''), encoding);
}

/**
 * Follows 301/302/303/307/308 redirects and meta refreshes. Each hop is returned as a new
 * request, so it goes back through the frontier: it takes its slot, passes robots.txt and the
 * seen set (hops are never `dontFilter`), and gets the cookies of its own host.
 *
 * - 301/302 turn a POST into a GET without body, as every browser does (RFC 9110 section
 *   15.4.2-3 allows it); 303 turns anything but HEAD into a GET; 307/308 keep method and body.
 * - Credential headers (Authorization, Proxy-Authorization and a Cookie header set on the
 *   request) are dropped when the origin changes (scheme, host or port), which includes every
 *   https -> http downgrade: credentials are for the origin that asked for them (RFC 9110
 *   section 15.4; browsers' fetch does the same for Authorization) and must not go out in
 *   clear text. A downgrade also drops a Referer header (no-referrer-when-downgrade). Cookies from the jar are added again by the cookie middleware, under the jar's
 *   own domain and Secure rules. (Scrapy keeps a user-set Cookie on a port change or an
 *   upgrade; Arachne drops it on any origin change, see docs/differences-from-scrapy.md.)
 * - `meta.handleHttpStatusList` / `meta.handleHttpStatusAll`, or a 3xx listed in
 *   `httpErrors.allowedCodes`, hand the 3xx response to the callback instead of following it
 *   (as Scrapy's `handle_httpstatus_list`). `httpErrors.allowAll` does not: it is about errors.
 * - A Location's raw bytes are read as UTF-8 when they are valid UTF-8, else their bytes above
 *   0x7F are percent-encoded as they are (`headerUrl`), as browsers and Scrapy do.
 * - A loop (a URL already in the chain) or more than `redirect.maxTimes` hops fail with
 *   `ERR_REDIRECT_LOOP` / `ERR_REDIRECT_MAX`; a Location that is not a valid URL, or not http(s),
 *   fails with `ERR_REDIRECT_INVALID` / `ERR_REDIRECT_SCHEME`. The engine counts them under
 *   `request/failed/<code>`; `meta.dontRedirect` returns the 3xx response as it is.
 */
export class RedirectMiddleware implements DownloaderMiddleware {
  static enabled(settings: Readonly<SettingValues>): boolean {
    return settings['redirect.enabled'];
  }

  readonly #context: MiddlewareContext;
  readonly #maxTimes: number;
  readonly #metaRefresh: boolean;
  readonly #metaRefreshMaxDelayMs: number;
  readonly #allowedCodes: Set<number>;

  constructor(context: MiddlewareContext) {
    this.#context = context;
    this.#allowedCodes = new Set(context.settings['httpErrors.allowedCodes']);
    this.#maxTimes = context.settings['redirect.maxTimes'];
    this.#metaRefresh = context.settings['redirect.metaRefresh'];
    this.#metaRefreshMaxDelayMs = context.settings['redirect.metaRefreshMaxDelayMs'];
  }

  wrap(next: Handler): Handler {
    return async (request) => {
      const result = await next(request);
      if (Request.isRequest(result) || request.meta.dontRedirect) return result;
      if (REDIRECT_STATUSES.has(result.status)) {
        if (this.#handled(request, result.status)) return result;
        const location = result.header('location');
        // A 3xx without Location is a final response (RFC 9110 section 15.4): the callback side judges it.
        if (location === undefined) return result;
        return this.#hop(request, result, headerUrl(location), result.status);
      }
      if (this.#metaRefresh && result.status === 200) {
        const refresh = metaRefresh(result);
        if (refresh && refresh.delayMs <= this.#metaRefreshMaxDelayMs) return this.#hop(request, result, refresh.url, 0);
      }
      return result;
    };
  }

  /** True when the callback asked for this 3xx itself (as Scrapy's `handle_httpstatus_list`). */
  #handled(request: Request, status: number): boolean {
    const { handleHttpStatusAll, handleHttpStatusList } = request.meta;
    return handleHttpStatusAll === true || handleHttpStatusList?.includes(status) === true || this.#allowedCodes.has(status);
  }

  /** The next hop for `location`, or a coded error. `status` 0 stands for a meta refresh. */
  #hop(request: Request, response: Response, location: string, status: number): Request {
    const { stats, logger } = this.#context;
    let target: URL;
    try {
      target = new URL(location, response.url);
    } catch {
      throw this.#fail('ERR_REDIRECT_INVALID', `${request} redirected to an invalid Location ${JSON.stringify(location)}`);
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      throw this.#fail('ERR_REDIRECT_SCHEME', `${request} redirected to ${JSON.stringify(target.href.slice(0, 200))}, not an http(s) URL`);
    }
    // RFC 9110 section 10.2.2: a Location without a fragment inherits the request's (as Scrapy
    // and browsers do; a rendered page may route on it). Loops are judged without fragments:
    // the server sees none.
    if (target.hash === '') target.hash = new URL(request.url).hash;
    const bare = withoutFragment(target.href);
    const chain = request.meta.redirectUrls ?? [];
    if (bare === withoutFragment(request.url) || chain.some((url) => withoutFragment(url) === bare)) {
      throw this.#fail('ERR_REDIRECT_LOOP', `redirect loop: ${[...chain, request.url, target.href].join(' -> ')}`);
    }
    if (chain.length >= this.#maxTimes) {
      throw this.#fail('ERR_REDIRECT_MAX', `${request} was redirected more than redirect.maxTimes (${this.#maxTimes}) times`);
    }

    let method = request.method;
    let body = request.body;
    let headers = request.headers;
    if ((status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST') || status === 0) {
      if (method !== 'GET' && method !== 'HEAD') {
        method = 'GET';
        body = null;
        headers = withoutHeaders(headers, BODY_HEADERS);
      }
    }
    const from = new URL(request.url);
    if (target.origin !== from.origin) headers = withoutHeaders(headers, CREDENTIAL_HEADERS);
    // A Referer set on the request names an https page: not sent over http (the default referrer
    // policy, no-referrer-when-downgrade, as Scrapy's redirect does).
    if (from.protocol === 'https:' && target.protocol === 'http:') headers = withoutHeaders(headers, ['referer']);

    stats.inc('redirect/count');
    stats.inc(`redirect/status/${status === 0 ? 'meta_refresh' : status}`);
    logger.debug(`redirecting (${status === 0 ? 'meta refresh' : status}) ${request} to ${target.href}`);
    return request.replace({
      url: target.href,
      method,
      body,
      headers,
      dontFilter: false,
      meta: { redirectUrls: [...chain, request.url], retryTimes: 0, notBefore: 0 },
    });
  }

  #fail(code: string, message: string): DropRequestError {
    this.#context.stats.inc(`redirect/failed/${code}`);
    return new DropRequestError(code, message, {
      hint: 'the site redirects somewhere Arachne cannot follow; set meta.dontRedirect to get the 3xx response instead',
    });
  }
}

const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location', 'transfer-encoding'];
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

function withoutFragment(url: string): string {
  const hash = url.indexOf('#');
  return hash < 0 ? url : url.slice(0, hash);
}

function withoutHeaders(headers: Readonly<Record<string, string>>, names: readonly string[]): Record<string, string> {
  const out = { ...headers };
  for (const name of names) delete out[name];
  return out;
}
