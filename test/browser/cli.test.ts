/**
 * The browser from the command line: `crawl fetch --browser` prints the rendered page (plain
 * `fetch` prints the app shell), and the `browser` genspider template fills every placeholder.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { renderTemplate, spiderTemplateNames, TEMPLATES_DIR } from '../../src/cli/templates.js';
import { startJsSite, type JsSite } from '../fixtures/js-site.js';
import { runCli } from '../helpers/project.js';
import { CHROMIUM } from './chromium-required.js';

let site: JsSite;
before(async () => {
  site = await startJsSite({ products: 5 });
});
after(() => site.close());

test('crawl fetch --browser prints the page after its scripts ran', async () => {
  const plain = await runCli(['fetch', `${site.url}/products`], '/');
  assert.equal(plain.code, 0, plain.stderr);
  assert.doesNotMatch(plain.stdout, /class="product"/);
  // The list comes from a fetch() that app.js starts: `load` can fire before it lands, so wait for the network to go quiet.
  const rendered = await runCli(['fetch', '--browser', '--headers', `${site.url}/products`, '-s', `browser.executablePath=${CHROMIUM}`, '-s', 'browser.waitUntil=networkidle'], '/');
  assert.equal(rendered.code, 0, rendered.stderr);
  assert.match(rendered.stdout, /^HTTP 200 /);
  assert.equal(rendered.stdout.match(/<li class="product">/g)?.length, 5, rendered.stdout);
});

test('the browser genspider template renders every page in the browser', () => {
  assert.ok(spiderTemplateNames().includes('browser'));
  const text = renderTemplate(readFileSync(join(TEMPLATES_DIR, 'spiders', 'browser.ts'), 'utf8'), {
    name: 'shop',
    className: 'ShopSpider',
    domain: 'shop.example',
    startUrl: 'https://shop.example/',
    sitemapUrl: 'https://shop.example/robots.txt',
  });
  assert.match(text, /class ShopSpider extends Spider/);
  assert.match(text, /browser: \{ mode: 'always' as const/);
  assert.doesNotMatch(text, /\{\{/);
});
