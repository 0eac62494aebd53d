/**
 * The parsel layer's cost against cheerio's `$` for the same fields of the same ~200 KB page
 * (issue 17: css `::text` and xpath extraction per page <= 1.2x cheerio). Run by
 * `npm run bench:parse` before the crawl rounds; alone with `npm run bench:parse -- --selectors-only`.
 *
 * Every page is parsed once beforehand (`response.$`, which `response.css` / `xpath` share), so
 * only extraction is timed. Two shapes of spider code: flat (one query per field over the page)
 * and per card (select each product, then its fields relative to it, the usual Scrapy loop).
 * Methods run interleaved round by round; each figure is the median of the rounds.
 */
import { performance } from 'node:perf_hooks';
import { Request } from '../../src/http/request.js';
import { Response } from '../../src/http/response.js';
import { median } from './median.js';

type Extract = (response: Response) => unknown[];

const flat: Record<string, Extract> = {
  cheerio: (r) => {
    const $ = r.$;
    return [
      $('title').text(),
      $('h2.name a').map((_, e) => $(e).text()).get(),
      $('span.price').map((_, e) => $(e).attr('data-amount')).get(),
      $('ul.tags li').map((_, e) => $(e).text()).get(),
      $('a[href^="/item/"]').map((_, e) => $(e).attr('href')).get(),
    ];
  },
  css: (r) => [
    r.css('title::text').get(),
    r.css('h2.name a::text').getall(),
    r.css('span.price::attr(data-amount)').getall(),
    r.css('ul.tags li::text').getall(),
    r.css('a[href^="/item/"]::attr(href)').getall(),
  ],
  xpath: (r) => [
    r.xpath('//title/text()').get(),
    r.xpath('//h2[@class="name"]/a/text()').getall(),
    r.xpath('//span[@class="price"]/@data-amount').getall(),
    r.xpath('//ul[@class="tags"]/li/text()').getall(),
    r.xpath('//a[starts-with(@href, "/item/")]/@href').getall(),
  ],
};

const perCard: Record<string, Extract> = {
  cheerio: (r) => {
    const $ = r.$;
    return $('div.product')
      .map((_, el) => {
        const card = $(el);
        return { name: card.find('h2.name a').text(), price: card.find('span.price').attr('data-amount'), tags: card.find('ul.tags li').map((__, li) => $(li).text()).get() };
      })
      .get();
  },
  css: (r) => r.css('div.product').map((card) => ({ name: card.css('h2.name a::text').get(), price: card.css('span.price::attr(data-amount)').get(), tags: card.css('ul.tags li::text').getall() })),
  xpath: (r) => r.xpath('//div[contains(@class, "product")]').map((card) => ({ name: card.xpath('./h2/a/text()').get(), price: card.xpath('./span/@data-amount').get(), tags: card.xpath('./ul/li/text()').getall() })),
};

function responses(pages: string[]): Response[] {
  return pages.map((page, i) => {
    const url = `http://127.0.0.1/heavy/${i}`;
    const response = new Response({ url, status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: Buffer.from(page), request: new Request({ url }) });
    void response.$; // parse now: only extraction is timed
    return response;
  });
}

function timeShape(shape: Record<string, Extract>, list: Response[], rounds: number): Record<string, number> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(shape).map((k) => [k, []]));
  const names = Object.keys(shape);
  // Same output from every method, or the comparison means nothing.
  const reference = JSON.stringify(shape.cheerio!(list[0]!));
  for (const name of names) {
    if (JSON.stringify(shape[name]!(list[0]!)) !== reference) throw new Error(`${name} extracted different fields than cheerio`);
  }
  for (let round = 0; round < rounds; round++) {
    // Rotate the order each round so no method always runs right after another's garbage.
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length]!;
      const start = performance.now();
      for (const response of list) shape[name]!(response);
      samples[name]!.push((performance.now() - start) / list.length);
    }
  }
  return Object.fromEntries(names.map((name) => [name, median(samples[name]!)]));
}

/** Print ms/page per method and the ratios to cheerio; returns the worst ratio. */
export function benchSelectors(pages: string[], rounds = 9): number {
  const list = responses(pages);
  // Warm-up: JIT and the compiled-query caches.
  timeShape(flat, list, 2);
  timeShape(perCard, list, 2);
  let worst = 0;
  const table: Record<string, Record<string, number | string>> = {};
  for (const [label, shape] of [['flat', flat], ['per card', perCard]] as const) {
    const ms = timeShape(shape, list, rounds);
    for (const name of Object.keys(shape)) {
      const ratio = ms[name]! / ms.cheerio!;
      if (name !== 'cheerio') worst = Math.max(worst, ratio);
      table[`${label}: ${name}`] = { msPerPage: Math.round(ms[name]! * 100) / 100, vsCheerio: `${ratio.toFixed(2)}x` };
    }
  }
  console.log(`selector extraction on ${pages.length} pages of ${Math.round(pages[0]!.length / 1024)} KB (parse excluded; median of ${rounds} rounds):`);
  console.table(table);
  console.log(`parsel layer / cheerio $, worst case: ${worst.toFixed(2)}x (target <= 1.2x): ${worst <= 1.2 ? 'met' : 'NOT met'}`);
  return worst;
}
