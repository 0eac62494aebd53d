import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startBlogSite } from '../../examples/crawl-rules/site/server.js';
import { REPO, runCli } from '../helpers/project.js';
import { readJsonl } from '../helpers/files.js';
import { tempDir } from '../helpers/temp-dir.js';

test('the crawl-rules example: listing pages followed, every article parsed once, nothing else fetched', async (t) => {
  const site = await startBlogSite();
  const out = tempDir(t, 'crawl-rules');
  try {
    const result = await runCli(
      ['run', 'articles', '-a', `baseUrl=${site.url}/`, '-O', join(out, 'articles.jsonl'), '--stats-json', join(out, 'stats.json'), '-L', 'warn'],
      join(REPO, 'examples', 'crawl-rules'),
    );
    assert.equal(result.code, 0, result.stderr);
    const items = readJsonl(join(out, 'articles.jsonl'));
    assert.equal(items.length, site.articleCount);
    const bySlug = new Map(items.map((i) => [new URL(String(i.url)).pathname.replace('/blog/', ''), i]));
    assert.equal(bySlug.size, site.articleCount, 'one item per article');
    for (const article of site.articles) {
      const item = bySlug.get(article.slug);
      assert.ok(item, `article ${article.slug} was scraped`);
      assert.equal(item.title, article.title);
      assert.equal(item.author, article.author);
      assert.equal(item.published, article.published);
      assert.deepEqual(item.tags, article.tags);
      assert.ok((item.words as number) > 10);
    }
    // Every listing page once; pages no rule matches (tags, about, PDFs) never.
    assert.equal(site.hits.get('/blog'), 1);
    for (let page = 2; page <= site.listingPages; page++) assert.equal(site.hits.get(`/blog?page=${page}`), 1, `listing page ${page}`);
    const paths = [...site.hits.keys()];
    assert.deepEqual(paths.filter((p) => p.startsWith('/tags/') || p === '/about' || p.endsWith('.pdf')), []);
    assert.ok(paths.every((p) => !p.includes('#')));
    const stats = JSON.parse(readFileSync(join(out, 'stats.json'), 'utf8')) as Record<string, number>;
    assert.equal(stats['item/scraped'], site.articleCount);
    // Home, listings, articles, each once (robots.txt aside, which a robots middleware may fetch).
    const pages = [...site.hits].filter(([p]) => p !== '/robots.txt');
    assert.equal(pages.reduce((sum, [, n]) => sum + n, 0), 1 + site.listingPages + site.articleCount);
  } finally {
    await site.close();
  }
});
