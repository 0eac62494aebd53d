import { ConfigError } from '../../errors.js';
import type { Request } from '../../http/request.js';
import type { SettingValues } from '../../settings/defaults.js';
import type { DownloaderMiddleware, Handler, MiddlewareContext } from '../middleware.js';

/**
 * HTTP Basic auth (RFC 7617) from `httpAuth.user` / `httpAuth.password`, sent only to
 * `httpAuth.domain` and its subdomains. The domain is required: sending credentials to whatever
 * host a crawl reaches would leak them to every site it links to (Scrapy made its
 * `http_auth_domain` mandatory in 2.5.1 for this reason). A request that sets its own
 * Authorization header keeps it. Redirects to another host drop the header (redirect middleware).
 */
export class HttpAuthMiddleware implements DownloaderMiddleware {
  static enabled(settings: Readonly<SettingValues>): boolean {
    return settings['httpAuth.user'] !== '';
  }

  readonly #header: string;
  readonly #domain: string;
  readonly #suffix: string;

  constructor(context: MiddlewareContext) {
    const { settings } = context;
    const domain = settings['httpAuth.domain'].trim().toLowerCase().replace(/^\./, '');
    if (domain === '') {
      throw new ConfigError('ERR_HTTP_AUTH_DOMAIN', 'httpAuth.user is set but httpAuth.domain is empty', {
        hint: 'set httpAuth.domain to the host that should receive the credentials, e.g. -s httpAuth.domain=example.com',
      });
    }
    this.#domain = domain;
    this.#suffix = `.${domain}`;
    this.#header = `Basic ${Buffer.from(`${settings['httpAuth.user']}:${settings['httpAuth.password']}`).toString('base64')}`;
  }

  /** True when `host` is the auth domain or one of its subdomains. */
  covers(host: string): boolean {
    return host === this.#domain || host.endsWith(this.#suffix);
  }

  wrap(next: Handler): Handler {
    return (request: Request) => {
      if ('authorization' in request.headers || !this.covers(request.host)) return next(request);
      return next(request.replace({ headers: { ...request.headers, authorization: this.#header } }));
    };
  }
}
