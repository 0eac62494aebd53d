/**
 * A CrawlSpider over the Field Notes blog: two rules, one for listing pages (followed) and one
 * for article pages (parsed). Inside examples/crawl-rules:
 * `crawl run articles -a baseUrl=http://127.0.0.1:PORT -o -`.
 */
import { CrawlSpider, LinkExtractor, Rule, type Response } from 'arachne';

export default class ArticlesSpider extends CrawlSpider {
  static override name = 'articles';
  static override allowedDomains = ['127.0.0.1', 'localhost'];

  static override rules = [
    // Listing pages (/blog, /blog?page=2...): no callback, so they are only followed: their links
    // go through these rules again.
    new Rule(new LinkExtractor({ allow: /\/blog(\?page=\d+)?$/ })),
    // Articles, as linked from the main column (not the sidebar): parsed by parseArticle. A rule
    // with a callback does not follow by default, so "Related" links on articles are not crawled;
    // every article is on a listing page anyway.
    new Rule(new LinkExtractor({ allow: /\/blog\/[a-z0-9-]+$/, restrictCss: 'main' }), { callback: 'parseArticle' }),
  ];

  /** `-a baseUrl=...` points the spider at the blog, wherever it listens. */
  override async *start() {
    // The default callback of a CrawlSpider (parse) applies the rules to the page.
    yield this.request(this.args.baseUrl ?? 'http://127.0.0.1:8080/', { dontFilter: true });
  }

  /** An article page: one item. */
  async *parseArticle(response: Response) {
    const paragraphs = response.css('article .body p').map((p) => p.xpath('string()').get('').trim());
    yield {
      url: response.url,
      title: response.css('article h1::text').get('').trim(),
      author: response.css('.byline .author::text').get('').trim(),
      published: response.css('.byline time::attr(datetime)').get() ?? null,
      tags: response.css('ul.tags a::text').getall().map((tag) => tag.trim()),
      words: paragraphs.join(' ').split(/\s+/).filter(Boolean).length,
    };
  }
}
