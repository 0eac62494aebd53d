/**
 * The demo spider: crawls the demo shop's categories page by page and yields one item per
 * product. Run it with `npm run demo`, or inside examples/demo with
 * `crawl run products -a baseUrl=http://127.0.0.1:PORT -o output/products.jsonl`.
 */
import { Spider, type CallbackResult, type Response } from 'arachne';
import { Product } from '../items.js';

/** ISO 4217 codes of the currency symbols the shop may show. */
const CURRENCIES: Record<string, string> = { '£': 'GBP', $: 'USD', '€': 'EUR' };

// `Spider<Product, ProductsSpider>`: tsc checks what parse yields and every callback name.
export default class ProductsSpider extends Spider<Product, ProductsSpider> {
  static override name = 'products';
  // Every item is validated against the schema where it is made (items.invalid: drop or keep).
  static override itemType = Product;
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
  async *parseProduct(response: Response): CallbackResult<Product> {
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
      // The type says what a product holds; the schema checks the page gave it: a missing price
      // (NaN) or an unknown currency makes the item invalid, counted in item/invalid/<field>.
      price: amount ? Number(amount[1]) : Number.NaN,
      currency: (CURRENCIES[symbol] ?? symbol) as Product['currency'],
      sku: text('.sku'),
      inStock,
      stockCount: count ? Number(count[1]) : inStock ? null : 0,
      rating: Number(response.css('.rating::attr(data-stars)').get('0')),
      // The breadcrumb ends with the product's category.
      category: response.xpath('//*[has-class("breadcrumb")]/a[last()]/text()').get('').trim(),
    };
  }
}
