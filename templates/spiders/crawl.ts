/**
 * The {{name}} spider: a CrawlSpider that follows the links its rules extract. Run it with
 * `npx crawl run {{name}} -O {{name}}.jsonl`; `-a startUrl=URL` starts from another URL.
 */
import { CrawlSpider, LinkExtractor, Rule, type Response } from 'arachne';

export default class {{className}} extends CrawlSpider {
  static override name = '{{name}}';
  static override allowedDomains = ['{{domain}}'];
  static override startUrls = ['{{startUrl}}'];
  // Rules run in order on every response; the first rule whose extractor matches a link wins.
  static override rules = [
    // Follow every link of the site; parse each page with parseItem.
    new Rule({ linkExtractor: new LinkExtractor({ allow: /.*/ }), callback: 'parseItem', follow: true }),
  ];

  /** `-a startUrl=URL` starts from that URL instead of `startUrls` (a staging copy, a local mirror). */
  override async *start() {
    if (this.args.startUrl) yield this.request(this.args.startUrl, { dontFilter: true });
    else yield* super.start();
  }

  async *parseItem(response: Response) {
    yield { url: response.url, title: response.css('title::text').get('').trim() };
  }
}
