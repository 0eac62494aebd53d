/**
 * The demo spider: crawls the demo shop's categories page by page and yields one item per
 * product. Run it with `npm run demo`, or inside examples/demo with
 * `crawl run products -a baseUrl=http://127.0.0.1:PORT -o output/products.jsonl`.
 */
import { Spider, type Response } from 'arachne';

/** ISO 4217 codes of the currency symbols the shop may show. */
const CURRENCIES: Record<string, string> = { '£': 'GBP', $: 'USD', '€': 'EUR' };

export default class ProductsSpider extends Spider {
  static override name = 'products';
  // Requests to any other host are dropped by the offsite middleware.
  static override allowedDomains = ['127.0.0.1', 'localhost'];

  /** `-a baseUrl=...` points the spider at the demo shop, wherever it listens. */
  override async *start() {
    // dontFilter: a start URL is fetched even if an earlier run of the same job saw it.
    yield this.request(this.args.baseUrl ?? 'http://127.0.0.1:8080/', { dontFilter: true });
  }

  /** The home page: one request per category. */
  async *parse(response: Response) {
    yield* response.followAll('a.category', { callback: this.parseCategory });
  }

  /** A listing page: every product on it, then the next page (absent on the last one). */
  async *parseCategory(response: Response) {
    yield* response.followAll('a.product', { callback: this.parseProduct });

    const next = response.css('a.next::attr(href)').get();
    if (next) yield response.follow(next, { callback: this.parseCategory });
  }

  /** A product page: one item. Links that 404 never get here (HTTP errors skip the callback). */
  async *parseProduct(response: Response) {
    const text = (selector: string) => response.css(`${selector}::text`).get('').trim();

    // "£12.99" -> currency symbol and amount.
    const priceText = text('.price');
    const amount = /(\d+(?:\.\d+)?)/.exec(priceText.replace(/,/g, ''));
    const symbol = priceText.replace(/[\d.,\s]/g, '');

    // "In stock (12 available)" or "Out of stock"; the count is null when in stock without one.
    const stock = text('.stock');
    const inStock = /^in stock/i.test(stock);
    const count = /\((\d+) available\)/.exec(stock);

    yield {
      url: response.url,
      title: text('h1.title'),
      price: amount ? Number(amount[1]) : null,
      currency: CURRENCIES[symbol] ?? symbol,
      sku: text('.sku'),
      inStock,
      stockCount: count ? Number(count[1]) : inStock ? null : 0,
      rating: Number(response.css('.rating::attr(data-stars)').get('0')),
      // The breadcrumb ends with the product's category.
      category: response.xpath('//*[has-class("breadcrumb")]/a[last()]/text()').get('').trim(),
    };
  }
}
