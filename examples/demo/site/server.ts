/**
 * The demo site: a small, deterministic product catalogue served from memory, for the demo
 * spider and its test. Every run builds the same catalogue (seeded PRNG), so the demo's output
 * can be checked exactly.
 *
 *   /                              home: the categories (`a.category`)
 *   /category/<slug>?page=N        20 products per page (`a.product`), `a.next` until the last page
 *   /product/<id>-<slug>           a product page
 *   /about, /robots.txt
 *
 * A few product links on listing pages point at ids that do not exist (404), as real sites do.
 *
 * Run it alone: `node --import tsx examples/demo/site/server.ts [port]`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';

export interface DemoSiteOptions {
  /** Address to bind. Default `127.0.0.1`. */
  host?: string;
  /** Port; 0 picks a free one. Default 0. */
  port?: number;
  /** Delay before each response, in ms. Default 0. */
  latencyMs?: number;
}

export interface DemoSite {
  /** Base URL without trailing slash. */
  url: string;
  close(): Promise<void>;
  /** Products in the catalogue (each reachable through category pagination). */
  productCount: number;
  /** Links on listing pages that lead to a 404. */
  brokenLinks: number;
  /** Requests served so far. */
  hits(): number;
}

export interface Product {
  id: number;
  slug: string;
  title: string;
  category: Category;
  pricePence: number;
  sku: string;
  stock: number;
  stars: number;
  description: string;
}

export interface Category {
  slug: string;
  name: string;
  products: Product[];
}

const PER_PAGE = 20;
const PRODUCT_COUNT = 300;
const BROKEN_LINKS = 5;
const SEED = 20240611;

/** mulberry32: a tiny seeded PRNG (public domain, Tommy Ettinger), enough for fake data. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CATEGORIES: ReadonlyArray<[slug: string, name: string, nouns: string[]]> = [
  ['books', 'Books', ['Novel', 'Atlas', 'Cookbook', 'Anthology', 'Field Guide', 'Memoir']],
  ['kitchen', 'Kitchen', ['Kettle', 'Skillet', 'Teapot', 'Chef Knife', 'Colander', 'Grater']],
  ['garden', 'Garden', ['Trowel', 'Watering Can', 'Planter', 'Hose Reel', 'Pruner', 'Bird Feeder']],
  ['toys', 'Toys', ['Kite', 'Puzzle', 'Spinning Top', 'Yo-yo', 'Marble Run', 'Rocking Horse']],
  ['music', 'Music', ['Ukulele', 'Harmonica', 'Metronome', 'Tambourine', 'Recorder', 'Songbook']],
  ['outdoors', 'Outdoors', ['Tent', 'Lantern', 'Rucksack', 'Compass', 'Flask', 'Hammock']],
];
const ADJECTIVES = ['Classic', 'Compact', 'Deluxe', 'Rustic', 'Modern', 'Vintage', 'Sturdy', 'Handmade', 'Folding', 'Pocket'];
const COLOURS = ['Red', 'Blue', 'Green', 'Oak', 'Slate', 'Amber', 'Ivory', 'Teal'];
const WORDS = (
  'made from durable materials and finished by hand in a small workshop it has been tested for ' +
  'everyday use and comes with a simple guarantee customers praise its balance weight and looks ' +
  'each piece varies slightly which is part of the charm please allow a few days for delivery'
).split(' ');

function slugify(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** Build the catalogue; the same seed always gives the same products. */
export function buildCatalogue(seed = SEED): { categories: Category[]; products: Map<number, Product> } {
  const random = mulberry32(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const categories: Category[] = CATEGORIES.map(([slug, name]) => ({ slug, name, products: [] }));
  const products = new Map<number, Product>();
  for (let i = 0; i < PRODUCT_COUNT; i++) {
    const c = Math.floor(random() * categories.length);
    const category = categories[c]!;
    const title = `${pick(ADJECTIVES)} ${pick(COLOURS)} ${pick(CATEGORIES[c]![2])}`;
    const id = 1000 + i;
    const sentences = 3 + Math.floor(random() * 10);
    const description = Array.from({ length: sentences }, () => {
      const words = Array.from({ length: 8 + Math.floor(random() * 12) }, () => pick(WORDS)).join(' ');
      return words[0]!.toUpperCase() + words.slice(1) + '.';
    }).join(' ');
    const product: Product = {
      id,
      slug: slugify(title),
      title,
      category,
      pricePence: 199 + Math.floor(random() * 9800),
      sku: `${category.slug.slice(0, 3).toUpperCase()}-${String(id).padStart(5, '0')}`,
      stock: random() < 0.2 ? 0 : 1 + Math.floor(random() * 60),
      stars: 1 + Math.floor(random() * 5),
      description,
    };
    category.products.push(product);
    products.set(id, product);
  }
  return { categories, products };
}

function productPath(product: Pick<Product, 'id' | 'slug'>): string {
  return `/product/${product.id}-${product.slug}`;
}

function price(pence: number): string {
  return `£${Math.floor(pence / 100)}.${String(pence % 100).padStart(2, '0')}`;
}

function layout(title: string, categories: Category[], main: string): string {
  const nav = categories.map((c) => `<li><a class="nav-link" href="/category/${c.slug}">${c.name}</a></li>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} | Arachne Demo Shop</title>
<style>body{font-family:sans-serif;margin:0 auto;max-width:60rem}nav ul{display:flex;gap:1rem;list-style:none}.card{border:1px solid #ddd;padding:.5rem;margin:.5rem 0}</style>
</head>
<body>
<header><a href="/" class="logo">Arachne Demo Shop</a><nav><ul>${nav}<li><a href="/about">About</a></li></ul></nav></header>
<main>
${main}
</main>
<footer>
<p>Arachne Demo Shop is a fictional shop served from memory for crawling demonstrations. Prices are in pounds sterling and include VAT.</p>
<p>Delivery is free on orders over £40. Returns are accepted within 30 days of delivery, unused and in the original packaging. Questions? See the <a href="/about">about page</a>.</p>
</footer>
</body>
</html>
`;
}

interface Pages {
  categories: Category[];
  products: Map<number, Product>;
  /** Listing page key (`slug:page`) to the broken links it shows. */
  broken: Map<string, Array<{ id: number; slug: string }>>;
  brokenCount: number;
}

function buildPages(): Pages {
  const { categories, products } = buildCatalogue();
  // Spread the broken links over different listing pages: first page of the first five
  // categories, at a different position each, pointing past the last real id.
  const broken = new Map<string, Array<{ id: number; slug: string }>>();
  for (let i = 0; i < BROKEN_LINKS; i++) {
    const category = categories[i % categories.length]!;
    const key = `${category.slug}:${1 + Math.floor(i / categories.length)}`;
    const list = broken.get(key) ?? [];
    list.push({ id: 9000 + i, slug: `discontinued-item-${i}` });
    broken.set(key, list);
  }
  return { categories, products, broken, brokenCount: BROKEN_LINKS };
}

function homePage(pages: Pages): string {
  const cards = pages.categories
    .map(
      (c) => `<li class="card"><a class="category" href="/category/${c.slug}">${c.name}</a>
<p>${c.products.length} products. Browse our ${c.name.toLowerCase()} range, picked for quality and value.</p></li>`,
    )
    .join('\n');
  return layout(
    'Home',
    pages.categories,
    `<h1>Welcome to the Arachne Demo Shop</h1>
<p>Choose a category below. Every page of this shop is generated from a seeded random number generator, so a crawl of it always finds the same products.</p>
<ul class="categories">
${cards}
</ul>`,
  );
}

function listingPage(pages: Pages, category: Category, page: number): string | undefined {
  const lastPage = Math.max(1, Math.ceil(category.products.length / PER_PAGE));
  if (page < 1 || page > lastPage) return undefined;
  const slice = category.products.slice((page - 1) * PER_PAGE, page * PER_PAGE);
  const items = slice.map(
    (p) => `<li class="card"><a class="product" href="${productPath(p)}">${escapeHtml(p.title)}</a> <span class="price">${price(p.pricePence)}</span></li>`,
  );
  const broken = pages.broken.get(`${category.slug}:${page}`) ?? [];
  for (const [i, b] of broken.entries()) {
    const at = Math.min(items.length, 3 + i * 5);
    items.splice(at, 0, `<li class="card"><a class="product" href="${productPath(b)}">Discontinued item</a> <span class="price">£0.00</span></li>`);
  }
  const next = page < lastPage ? `<a class="next" href="/category/${category.slug}?page=${page + 1}">Next page</a>` : '';
  const prev = page > 1 ? `<a class="prev" href="/category/${category.slug}?page=${page - 1}">Previous page</a>` : '';
  return layout(
    `${category.name}, page ${page}`,
    pages.categories,
    `<nav class="breadcrumb"><a href="/">Home</a> › <a href="/category/${category.slug}">${category.name}</a></nav>
<h1>${category.name}</h1>
<p class="count">Page ${page} of ${lastPage}, ${category.products.length} products</p>
<ul class="products">
${items.join('\n')}
</ul>
<div class="pagination">${prev} ${next}</div>`,
  );
}

function productPage(pages: Pages, product: Product): string {
  const stock = product.stock > 0 ? `In stock (${product.stock} available)` : 'Out of stock';
  const related = product.category.products
    .filter((p) => p.id !== product.id)
    .slice(0, 4)
    .map((p) => `<li><a class="related" href="${productPath(p)}">${escapeHtml(p.title)}</a></li>`)
    .join('');
  return layout(
    product.title,
    pages.categories,
    `<nav class="breadcrumb"><a href="/">Home</a> › <a href="/category/${product.category.slug}">${product.category.name}</a></nav>
<article class="product">
<h1 class="title">${escapeHtml(product.title)}</h1>
<p><span class="price">${price(product.pricePence)}</span> <span class="sku">${product.sku}</span></p>
<p class="stock">${stock}</p>
<div class="rating" data-stars="${product.stars}">${'★'.repeat(product.stars)}${'☆'.repeat(5 - product.stars)}</div>
<div class="description"><p>${product.description}</p></div>
<table class="specs"><tr><th>Category</th><td>${product.category.name}</td></tr><tr><th>SKU</th><td>${product.sku}</td></tr></table>
</article>
<aside><h2>You may also like</h2><ul>${related}</ul></aside>`,
  );
}

const ABOUT = `<h1>About</h1><p>This shop does not sell anything. It exists so that the Arachne demo spider has a realistic, polite target: paginated categories, product pages with prices, stock levels and ratings, and a few broken links.</p>
<h2>How it works</h2><p>The catalogue is built in memory when the server starts, from a seeded pseudo-random number generator, so every run serves exactly the same categories, products, prices and stock levels. That makes the demo's output reproducible: run the crawl twice and compare the files.</p>
<h2>Being polite</h2><p>The shop publishes a robots.txt file. Well-behaved crawlers read it first, limit how many requests they send at once, and stop when asked.</p>`;
const ROBOTS = 'User-agent: *\nDisallow: /basket\nAllow: /\n';

export async function startDemoSite({ host = '127.0.0.1', port = 0, latencyMs = 0 }: DemoSiteOptions = {}): Promise<DemoSite> {
  const pages = buildPages();
  const bySlug = new Map(pages.categories.map((c) => [c.slug, c]));
  const notFound = layout('Not found', pages.categories, '<h1>Not found</h1><p>That page does not exist.</p>');
  let hits = 0;

  function route(url: URL): { status: number; type: string; body: string } {
    const html = (body: string | undefined) =>
      body === undefined ? { status: 404, type: 'text/html; charset=utf-8', body: notFound } : { status: 200, type: 'text/html; charset=utf-8', body };
    if (url.pathname === '/') return html(homePage(pages));
    if (url.pathname === '/about') return html(layout('About', pages.categories, ABOUT));
    if (url.pathname === '/robots.txt') return { status: 200, type: 'text/plain; charset=utf-8', body: ROBOTS };
    const category = /^\/category\/([a-z-]+)$/.exec(url.pathname);
    if (category) {
      const found = bySlug.get(category[1]!);
      const page = Number(url.searchParams.get('page') ?? 1);
      return html(found && Number.isInteger(page) ? listingPage(pages, found, page) : undefined);
    }
    const product = /^\/product\/(\d+)-([a-z0-9-]+)$/.exec(url.pathname);
    if (product) {
      const found = pages.products.get(Number(product[1]));
      // The slug must match too, as on real shops where a wrong slug is a different URL.
      return html(found && found.slug === product[2] ? productPage(pages, found) : undefined);
    }
    return html(undefined);
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const { status, type, body } = route(new URL(req.url ?? '/', 'http://demo.invalid'));
    const bytes = Buffer.from(body);
    res.writeHead(status, { 'content-type': type, 'content-length': String(bytes.length) });
    res.end(bytes);
  }

  const server = createServer((req, res) => {
    hits++;
    if (latencyMs <= 0) return handle(req, res);
    const timer = setTimeout(() => handle(req, res), latencyMs);
    res.once('close', () => clearTimeout(timer));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('demo site: server has no TCP address');
  const urlHost = host.includes(':') ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}`,
    productCount: pages.products.size,
    brokenLinks: pages.brokenCount,
    hits: () => hits,
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
  const port = Number(process.argv[2] ?? 8080);
  const site = await startDemoSite({ port });
  console.log(`Demo shop: ${site.url}/ (${site.productCount} products). Ctrl-C to stop.`);
  process.once('SIGINT', () => {
    void site.close().then(() => process.exit(0));
  });
}
