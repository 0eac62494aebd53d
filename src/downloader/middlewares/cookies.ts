import type * as ToughCookie from 'tough-cookie';
import type { CookieJar, MemoryCookieStore } from 'tough-cookie';
import { loadPackage } from '../../load-package.js';
import { Request } from '../../http/request.js';
import type { SettingValues } from '../../settings/defaults.js';
import type { DownloaderMiddleware, Handler, MiddlewareContext } from '../middleware.js';

/** The jar of requests without `meta.cookieJar`. */
const DEFAULT_JAR = Symbol('default jar');

/**
 * Keeps cookies per jar (`meta.cookieJar`, any key; one shared jar by default) with tough-cookie,
 * which applies RFC 6265's domain, path, secure and expiry rules. Cookies are stored from every
 * response, 3xx included, before the redirect middleware (outside this one) turns it into a hop;
 * the hop passes here again and gets the cookies of its new host.
 *
 * A Set-Cookie the jar refuses (a Domain that is not the response's host, an unparsable line) is
 * counted under `cookies/rejected` and logged at debug level: a site's bad cookie is its problem,
 * not the crawl's. Cookies a request already carries in its own Cookie header come first.
 */
export class CookiesMiddleware implements DownloaderMiddleware {
  static enabled(settings: Readonly<SettingValues>): boolean {
    return settings['cookies.enabled'];
  }

  readonly #context: MiddlewareContext;
  readonly #jars = new Map<string | number | symbol, CookieJar>();

  constructor(context: MiddlewareContext) {
    this.#context = context;
  }

  /** The jar for a `meta.cookieJar` key (undefined = the default jar), created on first use. */
  jar(key?: string | number): CookieJar {
    const id = key ?? DEFAULT_JAR;
    let jar = this.#jars.get(id);
    if (jar === undefined) {
      // `looseMode` accepts `Set-Cookie: value` without a name, as browsers do (RFC 6265 section 5.2).
      // `allowSecureOnLocal: false`: a Secure cookie goes over https only, loopback included.
      // tough-cookie would treat http://127.0.0.1 and localhost as secure contexts (as browsers
      // do for developers); a crawler is not a developer's browser, and Scrapy's jar never sends
      // Secure cookies over http either (so an https -> http hop never carries them).
      const { CookieJar: Jar, MemoryCookieStore: Store } = loadPackage<typeof ToughCookie>('tough-cookie', 'cookies (cookies.enabled)');
      jar = new Jar(new Store(), { looseMode: true, allowSecureOnLocal: false });
      this.#jars.set(id, jar);
    }
    return jar;
  }

  wrap(next: Handler): Handler {
    const { stats, logger } = this.#context;
    return async (request) => {
      const jar = this.jar(request.meta.cookieJar);
      // Most crawls never get a cookie: matching a URL against an empty jar costs tough-cookie a
      // URL parse, a domain canonicalisation and a store walk (about 24 us per request in a
      // 5,000-page profile, 3% of the crawl's CPU), for nothing.
      const stored = isEmpty(jar.store as MemoryCookieStore) ? '' : jar.getCookieStringSync(request.url);
      let sent = request;
      if (stored !== '') {
        const own = request.headers.cookie;
        sent = request.replace({ headers: { ...request.headers, cookie: own ? `${own}; ${stored}` : stored } });
      }
      const result = await next(sent);
      if (Request.isRequest(result)) return result;
      const setCookie = result.headers['set-cookie'];
      if (setCookie === undefined) return result;
      for (const line of Array.isArray(setCookie) ? setCookie : [setCookie]) {
        try {
          jar.setCookieSync(line, result.url);
          stats.inc('cookies/stored');
        } catch (error) {
          stats.inc('cookies/rejected');
          logger.debug(`rejected a cookie from ${result.url}: ${(error as Error).message}`);
        }
      }
      return result;
    };
  }
}

/** No domain in the store's index (every jar is made with a MemoryCookieStore; cookies set through `jar()` count). */
function isEmpty(store: MemoryCookieStore): boolean {
  for (const domain in store.idx) if (Object.hasOwn(store.idx, domain)) return false;
  return true;
}
