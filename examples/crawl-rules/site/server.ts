/**
 * The crawl-rules example's site: "Field Notes", a small blog served from memory, for the
 * `articles` CrawlSpider and its test. Built from fixed lists, so every run serves the same pages.
 *
 *   /                         home: a link to the blog, /about
 *   /blog, /blog?page=N       listing pages, 5 articles each (in <main>), an "Older posts" link,
 *                             and a sidebar (<aside>) with popular articles and tag links
 *   /blog/<slug>              an article: title, author, date, tags, text, related articles,
 *                             a PDF version, a link to its own #comments
 *   /tags/<tag>               the articles of a tag
 *   /about, /robots.txt
 *
 * Run it alone: `node --import tsx examples/crawl-rules/site/server.ts [port]`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';

export interface BlogSiteOptions {
  /** Address to bind. Default `127.0.0.1`. */
  host?: string;
  /** Port; 0 picks a free one. Default 0. */
  port?: number;
}

export interface BlogSite {
  /** Base URL without trailing slash. */
  url: string;
  close(): Promise<void>;
  /** Articles on the blog (each listed on exactly one listing page). */
  articleCount: number;
  /** Listing pages (`/blog`, `/blog?page=2`, ...). */
  listingPages: number;
  /** Requests served, per path with query. */
  hits: Map<string, number>;
  /** The articles, in listing order (newest first). */
  articles: readonly Article[];
}

export interface Article {
  slug: string;
  title: string;
  author: string;
  /** ISO date, e.g. `2024-03-18`. */
  published: string;
  tags: string[];
  paragraphs: string[];
}

const PER_PAGE = 5;
const SUBJECTS = ['Sourdough', 'Bicycle', 'Compost', 'Night Sky', 'Kettle', 'Garden Shed', 'Canoe', 'Notebook', 'Beehive', 'Woodstove', 'Tomato', 'Radio'];
const ANGLES = ['A Beginner\'s Guide to the', 'What I Learned Fixing the', 'Ten Years With the', 'Why Nobody Talks About the'];
const AUTHORS = ['Ada Moreno', 'Ben Okafor', 'Chen Wei', 'Dora Lind'];
const TAGS = ['howto', 'repair', 'outdoors', 'kitchen', 'essays'];
const ARTICLE_COUNT = 23;

function slugify(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The articles, newest first: deterministic, built from the lists above. */
export function buildArticles(): Article[] {
  const articles: Article[] = [];
  for (let i = 0; i < ARTICLE_COUNT; i++) {
    const title = `${ANGLES[i % ANGLES.length]} ${SUBJECTS[i % SUBJECTS.length]}`;
    const day = new Date(Date.UTC(2024, 0, 1) + (ARTICLE_COUNT - i) * 9 * 86_400_000);
    const paragraphs = Array.from({ length: 2 + (i % 3) }, (_, p) => `Paragraph ${p + 1} about the ${SUBJECTS[i % SUBJECTS.length].toLowerCase()}: notes, mistakes and what worked in the end.`);
    articles.push({
      slug: `${slugify(title)}-${i + 1}`,
      title,
      author: AUTHORS[i % AUTHORS.length],
      published: day.toISOString().slice(0, 10),
      tags: [TAGS[i % TAGS.length], TAGS[(i + 2) % TAGS.length]],
      paragraphs,
    });
  }
  return articles;
}

function layout(title: string, main: string, aside = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · Field Notes</title>
<link rel="stylesheet" href="/static/site.css"></head>
<body>
<header><a href="/">Field Notes</a> <nav><a href="/blog">Blog</a> <a href="/about">About</a></nav></header>
<main>${main}</main>
${aside ? `<aside>${aside}</aside>` : ''}
<footer><a href="/about">About</a> · <a href="mailto:editor@fieldnotes.invalid">Write to us</a></footer>
</body></html>`;
}

function articleLink(a: Article): string {
  return `<a href="/blog/${a.slug}">${escapeHtml(a.title)}</a>`;
}

export async function startBlogSite({ host = '127.0.0.1', port = 0 }: BlogSiteOptions = {}): Promise<BlogSite> {
  const articles = buildArticles();
  const bySlug = new Map(articles.map((a) => [a.slug, a]));
  const listingPages = Math.ceil(articles.length / PER_PAGE);
  const hits = new Map<string, number>();
  // The sidebar's "popular" articles sit outside <main>: the spider's restrictCss leaves them out.
  const sidebar = `<h2>Popular</h2><ul>${articles.slice(-3).map((a) => `<li>${articleLink(a)}</li>`).join('')}</ul>
<h2>Tags</h2><ul>${TAGS.map((t) => `<li><a href="/tags/${t}">${t}</a></li>`).join('')}</ul>`;

  function listing(page: number): string | undefined {
    if (!Number.isInteger(page) || page < 1 || page > listingPages) return undefined;
    const cards = articles
      .slice((page - 1) * PER_PAGE, page * PER_PAGE)
      .map((a) => `<article class="card"><h2>${articleLink(a)}</h2><p>${escapeHtml(a.paragraphs[0])}</p><a href="/blog/${a.slug}">Read more</a></article>`)
      .join('\n');
    const older = page < listingPages ? `<a rel="next" href="/blog?page=${page + 1}">Older posts</a>` : '';
    const newer = page > 1 ? `<a rel="prev" href="${page === 2 ? '/blog' : `/blog?page=${page - 1}`}">Newer posts</a>` : '';
    return layout(`Blog, page ${page}`, `<h1>Blog</h1>${cards}<nav class="pagination">${newer} ${older}</nav>`, sidebar);
  }

  function article(a: Article): string {
    const index = articles.indexOf(a);
    const related = [articles[(index + 1) % articles.length], articles[(index + 7) % articles.length]];
    return layout(
      a.title,
      `<article>
<h1>${escapeHtml(a.title)}</h1>
<p class="byline">By <span class="author">${escapeHtml(a.author)}</span> on <time datetime="${a.published}">${a.published}</time></p>
<ul class="tags">${a.tags.map((t) => `<li><a href="/tags/${t}">${t}</a></li>`).join('')}</ul>
<div class="body">${a.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}</div>
<p><a href="/files/${a.slug}.pdf">Download as PDF</a> · <a href="/blog/${a.slug}#comments">Comments</a></p>
<section class="related"><h2>Related</h2><ul>${related.map((r) => `<li>${articleLink(r)}</li>`).join('')}</ul></section>
<section id="comments"><h2>Comments</h2><p>No comments yet.</p></section>
</article>`,
      sidebar,
    );
  }

  function route(url: URL): { status: number; type: string; body: string } {
    const html = (body: string | undefined) =>
      body === undefined
        ? { status: 404, type: 'text/html; charset=utf-8', body: layout('Not found', '<h1>Not found</h1>') }
        : { status: 200, type: 'text/html; charset=utf-8', body };
    if (url.pathname === '/') return html(layout('Home', '<h1>Field Notes</h1><p>Notes on making and mending things.</p><p><a href="/blog">Read the blog</a></p>'));
    if (url.pathname === '/about') return html(layout('About', '<h1>About</h1><p>Four people who like fixing things.</p>'));
    if (url.pathname === '/robots.txt') return { status: 200, type: 'text/plain; charset=utf-8', body: 'User-agent: *\nAllow: /\n' };
    if (url.pathname === '/blog') return html(listing(Number(url.searchParams.get('page') ?? 1)));
    const articleMatch = /^\/blog\/([a-z0-9-]+)$/.exec(url.pathname);
    if (articleMatch) {
      const found = bySlug.get(articleMatch[1]);
      return html(found ? article(found) : undefined);
    }
    const tag = /^\/tags\/([a-z]+)$/.exec(url.pathname);
    if (tag && TAGS.includes(tag[1])) {
      const tagged = articles.filter((a) => a.tags.includes(tag[1]));
      return html(layout(`Tag: ${tag[1]}`, `<h1>${tag[1]}</h1><ul>${tagged.map((a) => `<li>${articleLink(a)}</li>`).join('')}</ul>`));
    }
    return html(undefined);
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const { status, type, body } = route(new URL(path, 'http://blog.invalid'));
    const bytes = Buffer.from(body);
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
  if (address === null || typeof address === 'string') throw new Error('blog site: server has no TCP address');
  const urlHost = host.includes(':') ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}`,
    articleCount: articles.length,
    listingPages,
    hits,
    articles,
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
  const site = await startBlogSite({ port: Number(process.argv[2] ?? 8080) });
  console.log(`Field Notes: ${site.url}/ (${site.articleCount} articles). Ctrl-C to stop.`);
  process.once('SIGINT', () => {
    void site.close().then(() => process.exit(0));
  });
}
