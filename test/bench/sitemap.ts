/**
 * Sitemap parsing, a script, not a test: a 50,000-URL urlset (each entry with lastmod,
 * changefreq, priority and two xhtml:link alternates, about 15 MB) parsed by `parseSitemap`
 * (htmlparser2's streaming Parser, only the entries kept) and by the way it was parsed before
 * (a whole cheerio document, then its entries read from the tree). Each side runs in its own
 * process, alternating, so neither inherits the other's heap; it prints time and heap growth
 * (V8's committed heap after the parse minus before it: the document tree's peak shows there).
 *
 *   npm run bench:sitemap                   # 50,000 URLs, 3 rounds
 *   npm run bench:sitemap -- --urls 10000 --rounds 5
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { getHeapStatistics } from 'node:v8';
import { load } from 'cheerio/slim';
import { parseSitemap, type SitemapEntry } from '../../src/spider/sitemap.js';
import { median } from './median.js';

const { values } = parseArgs({
  options: { urls: { type: 'string', default: '50000' }, rounds: { type: 'string', default: '3' }, impl: { type: 'string' } },
});
const urls = Number(values.urls);

function sitemapXml(n: number): string {
  const parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'];
  for (let i = 0; i < n; i++) {
    parts.push(
      `<url><loc>https://shop.example/product/${i}?ref=sitemap&amp;v=2</loc><lastmod>2024-05-${String(1 + (i % 28)).padStart(2, '0')}</lastmod>` +
        `<changefreq>weekly</changefreq><priority>0.${i % 10}</priority>` +
        `<xhtml:link rel="alternate" hreflang="de" href="https://shop.example/de/product/${i}"/>` +
        `<xhtml:link rel="alternate" hreflang="fr" href="https://shop.example/fr/product/${i}"/></url>\n`,
    );
  }
  parts.push('</urlset>\n');
  return parts.join('');
}

/** The parse before streaming (src/spider/sitemap.ts until issue 20), as the reference. */
function parseWithDocument(xml: string): SitemapEntry[] {
  const $ = load(xml, { xml: true });
  const root = $.root().children().first();
  const entries: SitemapEntry[] = [];
  for (const element of root.children().toArray()) {
    const entry: Partial<SitemapEntry> & { alternates: string[] } = { alternates: [] };
    for (const child of $(element).children().toArray()) {
      const name = child.name.slice(child.name.indexOf(':') + 1);
      if (name === 'link') {
        const href = child.attribs.href?.trim();
        if (href) entry.alternates.push(href);
      } else if (name === 'loc') entry.loc = $(child).text().trim();
      else if (name === 'lastmod' || name === 'changefreq' || name === 'priority') entry[name] = $(child).text().trim();
    }
    if (entry.loc) entries.push(entry as SitemapEntry);
  }
  return entries;
}

interface Figures {
  ms: number;
  heapMb: number;
  entries: number;
}

function measure(impl: string): Figures {
  const xml = sitemapXml(urls);
  (globalThis as { gc?: () => void }).gc?.();
  const before = getHeapStatistics().total_heap_size;
  const t0 = performance.now();
  const entries = impl === 'streaming' ? parseSitemap(xml).entries : parseWithDocument(xml);
  const ms = performance.now() - t0;
  const heapMb = (getHeapStatistics().total_heap_size - before) / 1024 / 1024;
  return { ms, heapMb, entries: entries.length };
}

if (values.impl) {
  process.stdout.write(`${JSON.stringify(measure(values.impl))}\n`);
} else {
  const self = fileURLToPath(import.meta.url);
  const results: Record<string, Figures[]> = { document: [], streaming: [] };
  for (let r = 0; r < Number(values.rounds); r++) {
    for (const impl of ['document', 'streaming']) {
      const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', self, '--impl', impl, '--urls', String(urls)], { encoding: 'utf8' });
      results[impl]!.push(JSON.parse(out.trim().split('\n').pop()!) as Figures);
    }
  }
  const row = (list: Figures[]) => ({ entries: list[0]!.entries, 'ms (median)': Math.round(median(list.map((x) => x.ms))), 'heap growth MB': Math.round(median(list.map((x) => x.heapMb))), rounds: list.map((x) => Math.round(x.ms)).join(' / ') });
  console.log(`${urls} URLs, ${values.rounds} rounds, each in a fresh process`);
  console.table({ 'cheerio document (before)': row(results.document!), 'streaming (parseSitemap)': row(results.streaming!) });
  const speedup = median(results.document!.map((x) => x.ms)) / median(results.streaming!.map((x) => x.ms));
  console.log(`streaming is ${speedup.toFixed(1)}x faster`);
}
