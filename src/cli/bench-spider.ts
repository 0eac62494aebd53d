/**
 * The spider `crawl bench` runs: starts at `/page/0` of the bench site (bench-site.ts), yields one
 * item per product card (one per page when the page has none) and follows every page link. It is
 * its own module so parse workers can import it (`spiderFile`); compiled to dist with the rest.
 */
import type { Response } from '../http/response.js';
import { Spider } from '../spider/spider.js';

export default class BenchSpider extends Spider {
  static override name = 'bench';

  override async *start() {
    yield this.request(`${this.args.url!}/page/0`);
  }

  *parse(response: Response) {
    const $ = response.$;
    const cards = $('div.product');
    if (cards.length === 0) {
      yield { url: response.url, title: $('title').text() };
    } else {
      for (const el of cards) {
        const card = $(el);
        yield {
          url: response.url,
          name: card.find('h2.name a').text(),
          price: Number(card.find('span.price').attr('data-amount')),
          tags: card.find('ul.tags li').map((_, li) => $(li).text()).get(),
        };
      }
    }
    yield* response.followAll('ul.links a');
  }
}
