/** The spider's `allowedDomains`: normalising its entries and matching a host against them. */

/**
 * Whether `host` is one of `allowedDomains` or a subdomain of one (entries already normalised:
 * lower-case host names). Shared by the offsite middleware (requests) and the browser (a page's script navigations).
 */
export function hostAllowed(host: string, allowed: readonly string[]): boolean {
  return allowed.some((d) => host === d || host.endsWith(`.${d}`));
}

/** An `allowedDomains` entry as a lower-case host name; a URL or host:port (a common slip) is warned about and cut to its host. */
export function allowedDomain(domain: string, warn: (message: string) => void): string {
  const lower = domain.toLowerCase();
  // Scrapy warns about the slip and so do we.
  if (/[/:]/.test(lower) && !lower.startsWith('[')) {
    warn(`allowedDomains entry ${JSON.stringify(domain)} should be a domain name, not a URL or host:port`);
    try {
      return new URL(lower.includes('//') ? lower : `http://${lower}`).hostname;
    } catch {
      return lower;
    }
  }
  return lower;
}
