/**
 * An example spider: it records the URL, title and first heading of every page of a site and
 * follows the site's links (the offsite middleware drops links to other domains).
 *
 *   npx crawl run pages -O pages.jsonl
 *   npx crawl run pages -a startUrl=http://127.0.0.1:8080/ -s offsite.enabled=false
 *
 * `-a startUrl=URL` starts somewhere else than `startUrls` (a staging copy, a local mirror).
 */
import { Spider, type Contracts, type Response } from 'arachne';

export default class PagesSpider extends Spider {
  static override name = 'pages';
  static override allowedDomains = ['quotes.toscrape.com'];
  static override startUrls = ['https://quotes.toscrape.com/'];
  // Stay close to the start page: this is an example, not a full mirror.
  static override customSettings = { depth: { limit: 2 } };

  /** `npx crawl check pages` fetches each URL, runs the callback and checks what it yields. */
  static contracts: Contracts = {
    parse: { url: 'https://quotes.toscrape.com/', returns: { items: [1, 1], requests: [1, 500] }, scrapes: ['url', 'title'] },
  };

  override async *start() {
    const urls = this.args.startUrl ? [this.args.startUrl] : PagesSpider.startUrls;
    for (const url of urls) yield this.request(url, { dontFilter: true });
  }

  async *parse(response: Response) {
    yield {
      url: response.url,
      title: response.css('title::text').get(''),
      heading: response.css('h1::text').get(''),
    };
    yield* response.followAll('a');
  }
}
