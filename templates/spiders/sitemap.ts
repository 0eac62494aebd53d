/**
 * The {{name}} spider: a SitemapSpider that reads the site's sitemaps (from robots.txt) and
 * parses the pages they list. Run it with `npx crawl run {{name}} -O {{name}}.jsonl`;
 * `-a startUrl=URL` reads that sitemap (or robots.txt) instead of `sitemapUrls`.
 */
import { SitemapSpider, type Response } from 'arachne';

export default class {{className}} extends SitemapSpider {
  static override name = '{{name}}';
  static override allowedDomains = ['{{domain}}'];
  static override sitemapUrls = ['{{sitemapUrl}}'];
  // [pattern, callback]: a sitemap URL matching the pattern is parsed by that method.
  static override sitemapRules: [string | RegExp, string][] = [['', 'parseItem']];

  async *parseItem(response: Response) {
    yield { url: response.url, title: response.css('title').first().text().trim() };
  }
}
