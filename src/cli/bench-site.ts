/**
 * The site `crawl bench` and the benchmark suite (test/bench/) crawl: `pages` linked HTML pages
 * `/page/0` .. `/page/N-1`, each with `links` links to other pages plus one to the next page (so
 * every page is reachable from `/page/0`), `items` product cards, and filler up to `pageSize`
 * bytes, served after `latencyMs`. Bodies are built once, before serving, so the server costs
 * little per request.
 *
 * It runs in its own process (`startBenchSite` forks this file): serving pages on the crawler's
 * event loop would be measured as the crawler's work. The child prints nothing; it sends its URL
 * over IPC and exits when the parent disconnects.
 */
import { fork } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';

export interface BenchSiteOptions {
  /** Pages on the site. */
  pages: number;
  /** Bytes per page (filler pads a page up to it; a page with many items may be larger). */
  pageSize: number;
  /** Links per page to other pages, besides the link to the next page. */
  links: number;
  /** Product cards per page; the bench spider yields one item per card (one per page when 0). */
  items: number;
  /** Delay before each response, in ms. */
  latencyMs: number;
}

export interface BenchSite {
  url: string;
  close(): Promise<void>;
}

/** The page numbers page `i` links to: `links` spread over the site, then `i + 1`. */
export function benchLinks(i: number, pages: number, links: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < links; k++) out.push((i * 7 + k * 13 + 1) % pages);
  if (i + 1 < pages) out.push(i + 1);
  return out;
}

const TAGS = ['red', 'blue', 'green', 'sale', 'new', 'eco', 'kids', 'pro'];

/** Page `i` as HTML. */
export function benchPage(i: number, options: BenchSiteOptions): string {
  const parts = [`<!doctype html><html><head><meta charset="utf-8"><title>Page ${i}</title></head><body><h1>Page ${i}</h1><ul class="links">`];
  for (const j of benchLinks(i, options.pages, options.links)) parts.push(`<li><a href="/page/${j}">Page ${j}</a></li>`);
  parts.push('</ul><main>');
  for (let c = 0; c < options.items; c++) {
    const n = i * options.items + c;
    const tags = TAGS.filter((_, k) => (n + k) % 3 === 0).map((t) => `<li>${t}</li>`).join('');
    const price = ((n * 37) % 1000) / 10;
    parts.push(
      `<div class="product${n % 4 === 0 ? ' in-stock' : ''}" id="p${n}"><h2 class="name"><a href="/item/${n}">Product ${n}</a></h2>` +
        `<span class="price" data-amount="${price}">$${price}</span>` +
        `<p class="description">${'lorem ipsum dolor sit amet '.repeat(1 + (n % 7))}</p><ul class="tags">${tags}</ul></div>`,
    );
  }
  parts.push('</main>');
  const end = '</body></html>';
  const length = parts.reduce((sum, p) => sum + p.length, 0) + end.length;
  const filler = options.pageSize - length - '<div class="filler"></div>'.length;
  if (filler > 0) parts.push(`<div class="filler">${'x'.repeat(filler)}</div>`);
  parts.push(end);
  return parts.join('');
}

/** Serves the site on 127.0.0.1 (any free port) in this process. */
export async function serveBenchSite(options: BenchSiteOptions): Promise<Server> {
  const bodies = Array.from({ length: options.pages }, (_, i) => Buffer.from(benchPage(i, options)));
  const notFound = Buffer.from('<!doctype html><title>Not found</title>');
  const server = createServer((req, res) => {
    const match = /^\/page\/(\d+)$/.exec(req.url ?? '');
    const body = match ? bodies[Number(match[1])] : undefined;
    const send = (): void => {
      res.writeHead(body ? 200 : 404, { 'content-type': 'text/html; charset=utf-8', 'content-length': String((body ?? notFound).length) });
      res.end(body ?? notFound);
    };
    if (options.latencyMs > 0) setTimeout(send, options.latencyMs);
    else send();
  });
  // Longer than any pause between rounds of the benchmark suite, so sockets stay reusable.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** Starts the site in a child process and resolves once it listens. */
export async function startBenchSite(options: BenchSiteOptions): Promise<BenchSite> {
  const file = fileURLToPath(import.meta.url);
  // From source (tests, the suite under tsx) the child needs the TypeScript loader too.
  const child = fork(file, [JSON.stringify(options)], { execArgv: file.endsWith('.ts') ? ['--import', 'tsx'] : [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`the bench site exited (code ${code}) before listening`)));
  });
  return {
    url,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.disconnect();
      await exited;
    },
  };
}

// Forked by `startBenchSite`: serve, report the URL, stop when the parent lets go.
if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = await serveBenchSite(JSON.parse(process.argv[2] ?? '{}') as BenchSiteOptions);
  const address = server.address() as { port: number };
  process.send({ url: `http://127.0.0.1:${address.port}` });
  process.on('disconnect', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
