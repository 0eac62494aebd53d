/**
 * The sitemap example's site: "Lamp & Co", a small shop that publishes its pages the way real
 * shops do, through sitemaps. Served from memory; every run serves the same pages.
 *
 *   /robots.txt                      `Sitemap: /sitemap_index.xml`
 *   /sitemap_index.xml               a sitemap index: two product sitemaps and one of other pages
 *   /sitemaps/products-N.xml.gz      gzip files (no Content-Encoding), 20 products each, with a
 *                                    <lastmod> and an hreflang="fr" alternate per product
 *   /sitemaps/pages.xml              /about, /contact, /shipping
 *   /products/<slug>, /fr/products/<slug>, /about, /contact, /shipping
 *
 * Run it alone: `node --import tsx examples/sitemap/site/server.ts [port]`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

export interface SitemapSiteOptions {
  /** Address to bind. Default `127.0.0.1`. */
  host?: string;
  /** Port; 0 picks a free one. Default 0. */
  port?: number;
}

export interface ShopProduct {
  slug: string;
  name: string;
  sku: string;
  /** Price in cents. */
  priceCents: number;
  /** When the product page last changed (ISO date): its sitemap `<lastmod>`. */
  lastmod: string;
  /** Which product sitemap lists it (1 or 2). */
  sitemap: number;
}

export interface SitemapSite {
  /** Base URL without trailing slash. */
  url: string;
  close(): Promise<void>;
  /** Products listed in the product sitemaps. */
  productCount: number;
  /** Other pages, listed in /sitemaps/pages.xml. */
  pageCount: number;
  products: readonly ShopProduct[];
  /** Requests served, per path. */
  hits: Map<string, number>;
}

const PER_SITEMAP = 20;
const KINDS = ['Desk Lamp', 'Floor Lamp', 'Pendant', 'Wall Sconce', 'Reading Light'];
const FINISHES = ['Brass', 'Matte Black', 'Walnut', 'Opal Glass'];
const OTHER_PAGES = ['/about', '/contact', '/shipping'];

function slugify(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** 40 products, one changed every 10 days from 2023-03-01: the older half in sitemap 1. */
export function buildProducts(): ShopProduct[] {
  return Array.from({ length: 2 * PER_SITEMAP }, (_, i) => {
    const name = `${FINISHES[i % FINISHES.length]} ${KINDS[i % KINDS.length]}`;
    return {
      slug: `${slugify(name)}-${100 + i}`,
      name,
      sku: `LMP-${String(100 + i).padStart(4, '0')}`,
      priceCents: 2900 + ((i * 1733) % 12000),
      lastmod: new Date(Date.UTC(2023, 2, 1) + i * 10 * 86_400_000).toISOString().slice(0, 10),
      sitemap: i < PER_SITEMAP ? 1 : 2,
    };
  });
}

function page(title: string, main: string, lang = 'en'): string {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>${escapeXml(title)} · Lamp &amp; Co</title></head>
<body><header><a href="/">Lamp &amp; Co</a></header><main>${main}</main></body></html>`;
}

export async function startSitemapSite({ host = '127.0.0.1', port = 0 }: SitemapSiteOptions = {}): Promise<SitemapSite> {
  const products = buildProducts();
  const bySlug = new Map(products.map((p) => [p.slug, p]));
  const hits = new Map<string, number>();

  function productPage(p: ShopProduct, lang: 'en' | 'fr'): string {
    const price = `${lang === 'fr' ? '' : '$'}${(p.priceCents / 100).toFixed(2)}${lang === 'fr' ? ' $' : ''}`;
    return page(
      p.name,
      `<h1 class="name">${escapeXml(p.name)}</h1><p class="price" data-cents="${p.priceCents}">${price}</p><p class="sku">${p.sku}</p>`,
      lang,
    );
  }

  function urlset(base: string, entries: { path: string; lastmod?: string; alternate?: string }[]): string {
    const urls = entries.map(
      (e) =>
        `  <url>\n    <loc>${base}${e.path}</loc>\n` +
        (e.lastmod ? `    <lastmod>${e.lastmod}</lastmod>\n` : '') +
        (e.alternate ? `    <xhtml:link rel="alternate" hreflang="fr" href="${base}${e.alternate}"/>\n` : '') +
        '  </url>',
    );
    return `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">
${urls.join('\n')}
</urlset>
`;
  }

  function productSitemap(base: string, n: number): Buffer {
    const listed = products.filter((p) => p.sitemap === n);
    return gzipSync(urlset(base, listed.map((p) => ({ path: `/products/${p.slug}`, lastmod: p.lastmod, alternate: `/fr/products/${p.slug}` }))));
  }

  function sitemapIndex(base: string): string {
    // A sitemap's <lastmod> is when it last changed: the newest product it lists.
    const lastmod = (n: number) => products.filter((p) => p.sitemap === n).reduce((max, p) => (p.lastmod > max ? p.lastmod : max), '');
    return `<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>${base}/sitemaps/products-1.xml.gz</loc><lastmod>${lastmod(1)}</lastmod></sitemap>
  <sitemap><loc>${base}/sitemaps/products-2.xml.gz</loc><lastmod>${lastmod(2)}</lastmod></sitemap>
  <sitemap><loc>${base}/sitemaps/pages.xml</loc></sitemap>
</sitemapindex>
`;
  }

  function route(path: string, base: string): { status: number; type: string; body: string | Buffer } {
    const html = (body: string) => ({ status: 200, type: 'text/html; charset=utf-8', body });
    if (path === '/robots.txt') return { status: 200, type: 'text/plain; charset=utf-8', body: 'User-agent: *\nDisallow: /cart\n\nSitemap: /sitemap_index.xml\n' };
    if (path === '/sitemap_index.xml') return { status: 200, type: 'application/xml', body: sitemapIndex(base) };
    if (path === '/sitemaps/pages.xml') return { status: 200, type: 'application/xml', body: urlset(base, OTHER_PAGES.map((p) => ({ path: p }))) };
    const sitemap = /^\/sitemaps\/products-([12])\.xml\.gz$/.exec(path);
    if (sitemap) return { status: 200, type: 'application/x-gzip', body: productSitemap(base, Number(sitemap[1])) };
    const product = /^\/(fr\/)?products\/([a-z0-9-]+)$/.exec(path);
    const found = product ? bySlug.get(product[2]) : undefined;
    if (found) return html(productPage(found, product?.[1] ? 'fr' : 'en'));
    if (path === '/' || OTHER_PAGES.includes(path)) return html(page(path, `<h1>${path}</h1>`));
    return { status: 404, type: 'text/html; charset=utf-8', body: page('Not found', '<h1>Not found</h1>') };
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://shop.invalid').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    // Sitemaps hold absolute URLs (sitemaps.org): built from the Host the client used.
    const { status, type, body } = route(path, `http://${req.headers.host ?? 'localhost'}`);
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    res.writeHead(status, { 'content-type': type, 'content-length': String(bytes.length) });
    res.end(bytes);
  }

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('sitemap site: server has no TCP address');
  const urlHost = host.includes(':') ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}`,
    productCount: products.length,
    pageCount: OTHER_PAGES.length,
    products,
    hits,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Kept-alive sockets would hold server.close() open until they time out.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

const runDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (runDirectly) {
  const site = await startSitemapSite({ port: Number(process.argv[2] ?? 8080) });
  console.log(`Lamp & Co: ${site.url}/ (${site.productCount} products, sitemaps from ${site.url}/robots.txt). Ctrl-C to stop.`);
  process.once('SIGINT', () => {
    void site.close().then(() => process.exit(0));
  });
}
