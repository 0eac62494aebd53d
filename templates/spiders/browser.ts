/**
 * The {{name}} spider: every page rendered in headless Chromium before `parse` sees it, for
 * sites that build their content with JavaScript (docs/browser.md). Needs playwright-core
 * (`npm install playwright-core`) and a Chromium (`apt install chromium`, or
 * `npx playwright install chromium`). Run it with `npx crawl run {{name}} -O {{name}}.jsonl`.
 */
import { Spider, type Response } from 'arachne';

export default class {{className}} extends Spider {
  static override name = '{{name}}';
  static override allowedDomains = ['{{domain}}'];
  static override startUrls = ['{{startUrl}}'];
  // `always`: every request through the browser; `auto`: HTTP first, the browser where a page needs it.
  static override customSettings = { browser: { mode: 'always' as const, maxPages: 4 } };

  /** `-a startUrl=URL` starts from that URL instead of `startUrls`. */
  override async *start() {
    if (this.args.startUrl) yield this.request(this.args.startUrl, { dontFilter: true });
    else yield* super.start();
  }

  async *parse(response: Response) {
    // The rendered DOM: what the page shows once its scripts ran.
    yield { url: response.url, title: response.css('title::text').get('').trim() };
    // Per request, `meta.browser` takes options: wait for an element, click, scroll, evaluate.
    yield* response.followAll('a', { callback: this.parse, meta: { browser: { waitUntil: 'domcontentloaded' } } });
  }
}
