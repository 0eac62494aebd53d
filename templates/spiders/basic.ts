/**
 * The {{name}} spider. Run it with `npx crawl run {{name}} -O {{name}}.jsonl`;
 * `-a startUrl=URL` starts from another URL than `startUrls`.
 */
import { Spider, type Response } from 'arachne';

export default class {{className}} extends Spider {
  static override name = '{{name}}';
  static override allowedDomains = ['{{domain}}'];
  static override startUrls = ['{{startUrl}}'];

  /** `-a startUrl=URL` starts from that URL instead of `startUrls` (a staging copy, a local mirror). */
  override async *start() {
    if (this.args.startUrl) yield this.request(this.args.startUrl, { dontFilter: true });
    else yield* super.start();
  }

  async *parse(response: Response) {
    yield { url: response.url, title: response.css('title::text').get('').trim() };
    // Follow the page's links; `callback` names the method that parses their responses.
    yield* response.followAll('a', { callback: this.parse });
  }
}
