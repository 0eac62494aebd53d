/**
 * Reading sitemaps (https://www.sitemaps.org/protocol.html): `<urlset>` and `<sitemapindex>`
 * documents, plain or gzipped, and the `Sitemap:` lines of robots.txt. Used by SitemapSpider;
 * plain functions, so a spider of any kind can call them too.
 */
import { constants as bufferConstants } from 'node:buffer';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import type * as Htmlparser2 from 'htmlparser2';
import type { Handler } from 'htmlparser2';
import { CallbackError } from '../errors.js';
import type { Response } from '../http/response.js';
import { lazyPackage } from '../load-package.js';

// Loaded with the first sitemap, not at `import 'arachne'`.
const htmlparser2 = lazyPackage<typeof Htmlparser2>('htmlparser2', 'sitemaps');

/**
 * Cap on a sitemap after gunzip: sitemaps.org limits a sitemap to 50 MB (52,428,800 bytes)
 * uncompressed, so anything larger is broken or hostile (a gzip bomb). A request's
 * `meta.maxResponseBytes` overrides it, as it overrides `download.maxResponseBytes` (0 = no cap).
 */
export const SITEMAP_MAX_BYTES = 50 * 1024 * 1024;

/** One `<url>` of a urlset or one `<sitemap>` of a sitemap index. */
export interface SitemapEntry {
  /** The `<loc>`, trimmed, entities decoded. */
  loc: string;
  /** `<lastmod>` as written (W3C datetime, e.g. `2024-05-01` or `2024-05-01T10:00:00+00:00`). */
  lastmod?: string;
  /** `<changefreq>` as written (`daily`, `weekly`...). */
  changefreq?: string;
  /** `<priority>` as written (`0.0` .. `1.0`). */
  priority?: string;
  /** The `href`s of the entry's `<xhtml:link rel="alternate">` elements (other languages). */
  alternates: string[];
}

export type SitemapType = 'urlset' | 'sitemapindex';

export interface Sitemap {
  type: SitemapType;
  entries: SitemapEntry[];
  /**
   * The document (or its gzip stream) ended early: `entries` holds the entries before the cut
   * (the last, possibly cut, entry is dropped).
   */
  truncated: boolean;
}

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;
const FIELDS = new Set(['lastmod', 'changefreq', 'priority']);

/** True when the bytes start with the gzip magic number (RFC 1952 §2.3.1). */
export function isGzip(body: Uint8Array): boolean {
  return body.length >= 2 && body[0] === GZIP_MAGIC_0 && body[1] === GZIP_MAGIC_1;
}

/**
 * Gunzips a sitemap body with a cap on its size. A truncated stream gives what it holds, with
 * `truncated: true`. Throws `ERR_SITEMAP_TOO_LARGE` past the cap, `ERR_SITEMAP_INVALID` for a
 * corrupt stream.
 */
export function gunzipSitemap(body: Uint8Array, maxBytes: number, url = 'the sitemap'): { body: Buffer; truncated: boolean } {
  const maxOutputLength = maxBytes > 0 ? maxBytes : bufferConstants.MAX_LENGTH;
  try {
    return { body: gunzipSync(body, { maxOutputLength }), truncated: false };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw new CallbackError('ERR_SITEMAP_TOO_LARGE', `${url} is over ${maxBytes} bytes once gunzipped`, {
        hint: 'sitemaps.org caps a sitemap at 50 MB uncompressed; raise meta.maxResponseBytes on its request if this one is genuine',
      });
    }
    if (code === 'Z_BUF_ERROR') {
      // The stream ended early: keep what inflates (a sync flush returns it instead of failing).
      try {
        return { body: gunzipSync(body, { maxOutputLength, finishFlush: zlibConstants.Z_SYNC_FLUSH }), truncated: true };
      } catch {
        // Fall through to the invalid-gzip error below.
      }
    }
    throw new CallbackError('ERR_SITEMAP_INVALID', `${url} is not a valid gzip stream (${(error as Error).message})`, {
      hint: 'the server sent a corrupt .gz sitemap',
    });
  }
}

function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

/**
 * Parses a sitemap document. Lenient as Scrapy's (lxml `recover=True`): unknown elements are
 * ignored, entries without `<loc>` skipped. Throws `ERR_SITEMAP_INVALID` when the root element
 * is not `<urlset>` or `<sitemapindex>` (an HTML page, an empty body, text).
 *
 * Streaming: htmlparser2's `Parser` (the tokenizer under cheerio, a declared dependency for this)
 * reports tags and text as it reads them, and only the entries are kept; no document tree is
 * built. A 50,000-URL sitemap (test/bench/sitemap.ts) parsed through a cheerio document took
 * 1.9 s and +139 MB of heap; streamed, see docs/performance.md.
 *
 * Safe on hostile input: htmlparser2 never expands DTD entities, so neither external entities
 * (XXE) nor entity bombs ("billion laughs") are a risk.
 */
export function parseSitemap(xml: string, url = 'the sitemap'): Sitemap {
  const reader = new SitemapReader();
  const parser = new (htmlparser2().Parser)(reader, { xmlMode: true, decodeEntities: true });
  parser.write(xml);
  parser.end();
  return reader.result(url);
}

/** The `Parser` handler that keeps a sitemap's entries. Depth 1 is the root, 2 an entry, 3 its fields. */
class SitemapReader implements Partial<Handler> {
  rootName: string | undefined;
  readonly entries: SitemapEntry[] = [];
  /** The root was closed by its own end tag, and nothing but white space followed. */
  #closedAtEnd = false;
  #depth = 0;
  #entry: (Partial<SitemapEntry> & { alternates: string[] }) | undefined;
  /** The entry field whose text is being read, and the text so far. */
  #field: 'loc' | 'lastmod' | 'changefreq' | 'priority' | undefined;
  #text = '';
  /** The first element was not a sitemap root: everything after it is ignored. */
  #rejected = false;

  onopentag(name: string, attribs: Record<string, string>): void {
    this.#closedAtEnd = false;
    if (this.#rejected) return;
    this.#depth++;
    if (this.#depth === 1) {
      if (this.rootName !== undefined) return; // a second root: lxml stops at the first; ignore it
      this.rootName = name;
      const local = localName(name);
      if (local !== 'urlset' && local !== 'sitemapindex') this.#rejected = true;
    } else if (this.#depth === 2) {
      this.#entry = { alternates: [] };
    } else if (this.#depth === 3 && this.#entry) {
      const local = localName(name);
      if (local === 'link') {
        // Scrapy takes every <link href> of an entry; in sitemaps they are xhtml:link alternates.
        const href = attribs.href?.trim();
        if (href) this.#entry.alternates.push(href);
      } else if (local === 'loc' || FIELDS.has(local)) {
        this.#field = local as 'loc';
        this.#text = '';
      }
    }
  }

  ontext(text: string): void {
    if (this.#field !== undefined) this.#text += text;
    else if (this.#depth === 0 && this.rootName !== undefined && text.trim() !== '') this.#closedAtEnd = false;
  }

  onclosetag(_name: string, isImplied: boolean): void {
    if (this.#rejected) return;
    if (this.#depth === 3 && this.#field !== undefined && this.#entry) {
      this.#entry[this.#field] = this.#text.trim();
      this.#field = undefined;
    } else if (this.#depth === 2 && this.#entry) {
      if (this.#entry.loc) this.entries.push(this.#entry as SitemapEntry);
      this.#entry = undefined;
    } else if (this.#depth === 1) {
      this.#closedAtEnd = !isImplied;
    }
    this.#depth--;
  }

  result(url: string): Sitemap {
    const rootName = this.rootName === undefined ? '' : localName(this.rootName);
    if (rootName !== 'urlset' && rootName !== 'sitemapindex') {
      throw new CallbackError('ERR_SITEMAP_INVALID', `${url} is not a sitemap (${this.rootName ? `root element <${this.rootName}>` : 'no XML element'})`, {
        hint: 'check the URL: a sitemap is a <urlset> or <sitemapindex> document, plain or gzipped',
      });
    }
    // htmlparser2 closes what the text left open, so a cut document parses; its last entry may be
    // cut mid-URL, so it goes.
    const truncated = !this.#closedAtEnd;
    if (truncated) this.entries.pop();
    return { type: rootName, entries: this.entries, truncated };
  }
}

/**
 * The sitemap of a response: gunzipped when the body is gzip (by its magic bytes: a `.xml.gz`
 * URL whose body is not gzip was already decompressed by the transport, from its
 * Content-Encoding), then parsed. Throws as `gunzipSitemap` and `parseSitemap`.
 */
export function readSitemap(response: Response): Sitemap {
  if (!isGzip(response.body)) return parseSitemap(response.text, response.url);
  const maxBytes = response.request.meta.maxResponseBytes ?? SITEMAP_MAX_BYTES;
  const { body, truncated } = gunzipSitemap(response.body, maxBytes, response.url);
  // sitemaps.org: "The Sitemap must be UTF-8 encoded" (a BOM is dropped by the decoder).
  const sitemap = parseSitemap(new TextDecoder('utf-8').decode(body), response.url);
  return truncated ? { ...sitemap, truncated } : sitemap;
}

/** True when a URL is a robots.txt (its path is `/robots.txt`). */
export function isRobotsTxt(url: string): boolean {
  try {
    return new URL(url).pathname.endsWith('/robots.txt');
  } catch {
    return false;
  }
}

/**
 * The `Sitemap:` URLs of a robots.txt (the field name is case-insensitive; relative URLs are
 * joined against `baseUrl`; invalid ones are skipped).
 */
export function sitemapUrlsFromRobots(text: string, baseUrl: string): string[] {
  const urls: string[] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    const match = /^\s*sitemap\s*:\s*(\S+)/i.exec(line);
    if (!match) continue;
    try {
      urls.push(new URL(match[1], baseUrl).href);
    } catch {
      // A broken line in someone else's robots.txt is not worth failing the response for.
    }
  }
  return urls;
}
