/**
 * Tests a spider's callback on a hand-built response: no network, no crawl. Run with `npm test`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Request, Response } from 'arachne';
import PagesSpider from '../spiders/pages.js';

function htmlResponse(url: string, html: string): Response {
  return new Response({
    url,
    status: 200,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: new TextEncoder().encode(html),
    request: new Request({ url }),
  });
}

test('parse yields the page as an item and follows its links', async () => {
  const response = htmlResponse(
    'https://quotes.toscrape.com/',
    '<html><head><title>Quotes</title></head><body><h1>Quotes to Scrape</h1>' +
      '<a href="/page/2/">Next</a><a href="https://elsewhere.example/">Out</a></body></html>',
  );
  const items: Record<string, unknown>[] = [];
  const requests: Request[] = [];
  for await (const output of new PagesSpider().parse(response)) {
    if (output instanceof Request) requests.push(output);
    else items.push(output);
  }
  assert.deepEqual(items, [{ url: 'https://quotes.toscrape.com/', title: 'Quotes', heading: 'Quotes to Scrape' }]);
  assert.deepEqual(
    requests.map((r) => r.url),
    ['https://quotes.toscrape.com/page/2/', 'https://elsewhere.example/'],
  );
});
