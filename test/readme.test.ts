import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** Feature docs other work adds (listed after the `<!-- feature docs -->` line). */
const FEATURE_DOCS = ['docs/selectors.md', 'docs/items.md', 'docs/browser.md', 'docs/errors.md', 'docs/performance.md', 'docs/differences-from-scrapy.md'];

test('the README is short: what it is, install, a spider, the two commands, links', () => {
  assert.ok(readme.split('\n').length < 200, `${readme.split('\n').length} lines`);
  assert.match(readme, /npx arachne startproject/);
  assert.match(readme, /npm install && npm run demo/);
  assert.match(readme, /npm test/);
  assert.match(readme, /class \w+Spider extends Spider/);
});

test("the README's links point at files that exist", () => {
  const [main, feature] = readme.split('<!-- feature docs -->');
  assert.ok(feature !== undefined, 'README has the feature docs line');
  for (const doc of FEATURE_DOCS) assert.ok(feature.includes(`](${doc})`), `links ${doc}`);
  const links = [...main!.matchAll(/\]\(([^)#\s]+)\)/g)].map((m) => m[1]!).filter((l) => !/^https?:/.test(l));
  assert.ok(links.length >= 15, `${links.length} links`);
  for (const link of links) assert.ok(existsSync(new URL(`../${link}`, import.meta.url)), `${link} exists`);
});

test('the docs pages link to pages that exist (feature docs aside)', () => {
  for (const page of ['docs/README.md', 'docs/tutorial.md', 'docs/migration.md', 'docs/cli.md', 'docs/settings.md']) {
    const text = readFileSync(new URL(`../${page}`, import.meta.url), 'utf8');
    for (const [, link] of text.matchAll(/\]\(([^)#\s]+)\)/g)) {
      if (/^https?:/.test(link!) || FEATURE_DOCS.includes(`docs/${link}`)) continue;
      assert.ok(existsSync(new URL(link!, new URL(`../${page}`, import.meta.url))), `${page} links ${link}`);
    }
  }
});
