/**
 * The {{name}} spider: a SitemapSpider that reads the site's sitemaps (listed in robots.txt)
 * and parses the pages they list. Run it with `npx crawl run {{name}} -O {{name}}.jsonl`.
 */
import { SitemapSpider, type Response, type SitemapRule } from 'arachne';

export default class {{className}} extends SitemapSpider {
  static override name = '{{name}}';
  static override allowedDomains = ['{{domain}}'];
  static override sitemapUrls = ['{{sitemapUrl}}'];
  // [pattern, callback]: a page whose URL matches the pattern goes to that method ('' matches all).
  static override sitemapRules: SitemapRule[] = [['', 'parse']];

  /** `-a startUrl=URL` reads that sitemap (or robots.txt) instead of `sitemapUrls`. */
  override async *start() {
    if (this.args.startUrl) yield this.request(this.args.startUrl, { callback: this.parseSitemap, dontFilter: true });
    else yield* super.start();
  }

  async *parse(response: Response) {
    yield { url: response.url, title: response.css('title::text').get('').trim() };
  }
}
