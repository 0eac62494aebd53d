import type { Request } from '../http/request.js';
import type { SettingValues } from '../settings/defaults.js';
import { allowedDomain, hostAllowed } from '../spider/allowed-domains.js';
import type { SpiderMiddleware, SpiderMiddlewareContext } from './spider-middleware.js';

/**
 * Drops requests to hosts outside the spider's `allowedDomains` (a domain allows its subdomains).
 * `dontFilter` requests pass. No `allowedDomains` means every host is allowed.
 */
export class OffsiteMiddleware implements SpiderMiddleware {
  static enabled(settings: Readonly<SettingValues>): boolean {
    return settings['offsite.enabled'];
  }

  readonly #context: SpiderMiddlewareContext;
  readonly #allowed: string[] | undefined;
  readonly #seenHosts = new Set<string>();
  readonly #verdicts = new Map<string, boolean>();

  constructor(context: SpiderMiddlewareContext) {
    this.#context = context;
    const domains = context.spiderClass.allowedDomains;
    this.#allowed = domains && domains.length > 0 ? domains.map((d) => allowedDomain(d, (message) => context.logger.warn(message))) : undefined;
  }

  processRequest(request: Request): Request | null {
    if (!this.#allowed || request.dontFilter) return request;
    const host = request.host;
    let allowed = this.#verdicts.get(host);
    if (allowed === undefined) {
      allowed = hostAllowed(host, this.#allowed);
      this.#verdicts.set(host, allowed);
    }
    if (allowed) return request;
    const { stats, logger } = this.#context;
    stats.inc('offsite/filtered');
    if (!this.#seenHosts.has(host)) {
      this.#seenHosts.add(host);
      stats.inc('offsite/domains');
      logger.debug(`filtered offsite request to ${host}: ${request}`);
    }
    return null;
  }
}
