/**
 * A SitemapSpider over the Lamp & Co shop: robots.txt -> sitemap index -> gzipped product
 * sitemaps -> product pages. Inside examples/sitemap:
 * `crawl run products -a baseUrl=http://127.0.0.1:PORT -o -`, and with `-a since=2024-01-01`
 * only what changed since that date.
 */
import { SitemapSpider, type Response, type SitemapEntry, type SitemapInfo } from 'arachne';

export default class ProductsSpider extends SitemapSpider {
  static override name = 'products';
  static override allowedDomains = ['127.0.0.1', 'localhost'];

  // Product pages go to parseProduct; other URLs in the sitemaps (none, given sitemapFollow) are skipped.
  static override sitemapRules = [['/products/', 'parseProduct']] as const;
  // Of the index's sitemaps, only the product ones are fetched (not /sitemaps/pages.xml).
  static override sitemapFollow = [/\/sitemaps\/products-\d+\.xml\.gz$/];

  /**
   * The sitemaps come from robots.txt, wherever the shop listens (`-a baseUrl=...`). Overriding
   * start() replaces the static `sitemapUrls`; the requests go to the sitemap parser by name.
   */
  override async *start() {
    const base = (this.args.baseUrl ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
    yield this.request(`${base}/robots.txt`, { callback: 'parseSitemap', dontFilter: true });
  }

  /**
   * `-a since=YYYY-MM-DD`: only entries changed since then. Index entries are filtered too, so a
   * product sitemap that has not changed since is not even downloaded. Entries without a
   * `<lastmod>` are kept.
   */
  override sitemapFilter(entries: SitemapEntry[], _sitemap: SitemapInfo): SitemapEntry[] {
    const since = this.args.since;
    if (!since) return entries;
    // W3C dates compare as strings when they share a format (YYYY-MM-DD here).
    return entries.filter((entry) => entry.lastmod === undefined || entry.lastmod.slice(0, 10) >= since);
  }

  /** A product page: one item. */
  async *parseProduct(response: Response) {
    yield {
      url: response.url,
      name: response.css('h1.name::text').get('').trim(),
      sku: response.css('.sku::text').get('').trim(),
      price: Number(response.css('.price::attr(data-cents)').get()) / 100,
    };
  }

  /** Every page goes to a rule's callback; parse is required by Spider but unused here. */
  parse() {}
}
