/**
 * Turning the URL text a server or a page gives into an absolute URL, with the bytes a browser
 * would send:
 *
 * - a link on a page (`joinUrl`): the path is always percent-encoded as UTF-8, the query in the
 *   document's encoding (WHATWG URL standard, "query state": special URLs encode their query with
 *   the document's encoding; w3lib's `safe_url_string(url, encoding)` and Scrapy's `Request` do
 *   the same), so a link `?q=привет` on a windows-1251 page becomes `?q=%EF%F0%E8%E2%E5%F2`, which
 *   is what the site's own forms and servers expect;
 * - a `Location` header (`headerUrl`): its raw bytes are UTF-8 when they decode as UTF-8 (what
 *   servers send today), else each byte above 0x7F is percent-encoded as it is (Latin-1 era
 *   servers), as browsers and Scrapy (w3lib's `percentencode` error handler) do.
 *
 * Node's `URL` only encodes in UTF-8 and `TextEncoder` only speaks UTF-8, so legacy charsets are
 * encoded with iconv-lite (a dependency of cheerio's encoding sniffer already, well kept, and
 * pure JavaScript): one code point at a time, since only the non-ASCII ones need it.
 */
import type * as Iconv from 'iconv-lite';
import { TextDecoder } from 'node:util';
import { lazyPackage } from '../load-package.js';

// Loaded on the first page in a legacy encoding, not at `import 'arachne'`.
const iconvLite = lazyPackage<typeof Iconv>('iconv-lite', 'links on pages in legacy encodings');

// WHATWG "get an output encoding": UTF-16 and replacement documents submit and link in UTF-8.
const UTF8_OUTPUT = new Set(['utf-8', 'utf8', 'unicode-1-1-utf-8', 'utf-16le', 'utf-16be', 'utf-16', 'replacement', 'us-ascii', 'ascii']);
const HEX = '0123456789ABCDEF';

function percentBytes(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
  return out;
}

/** True when links on a page in `encoding` need their query encoded by hand (not UTF-8). */
function isLegacy(encoding: string | undefined): encoding is string {
  // The common case first, without allocating: Response.encoding gives WHATWG names.
  if (!encoding || encoding === 'utf-8') return false;
  const name = encoding.trim().toLowerCase();
  return !UTF8_OUTPUT.has(name) && iconvLite().encodingExists(name);
}

/**
 * `href` with the non-ASCII characters of its query percent-encoded in `encoding`. Characters
 * the encoding cannot represent become `%26%23<code point>%3B` (`&#N;`), as the WHATWG URL
 * standard prescribes. Path, fragment and ASCII are left to the URL parser (UTF-8).
 */
export function encodeQuery(href: string, encoding: string | undefined): string {
  if (!isLegacy(encoding)) return href;
  const hash = href.indexOf('#');
  const end = hash < 0 ? href.length : hash;
  const start = href.indexOf('?');
  if (start < 0 || start > end) return href;
  let i = start + 1;
  while (i < end && href.charCodeAt(i) < 0x80) i++;
  if (i === end) return href;

  let out = href.slice(0, i);
  while (i < end) {
    const code = href.codePointAt(i) as number;
    const char = String.fromCodePoint(code);
    i += char.length;
    if (code < 0x80) {
      out += char;
      continue;
    }
    const bytes = iconvLite().encode(char, encoding);
    // iconv-lite writes `?` for a character the charset lacks (one per UTF-16 unit): a round
    // trip that does not give the character back means it is not in the charset.
    out += iconvLite().decode(bytes, encoding) === char ? percentBytes(bytes) : `%26%23${code}%3B`;
  }
  return out + href.slice(end);
}

/**
 * Resolve `href` against `base` (absolute), encoding its query in `encoding` (the page's
 * encoding; default UTF-8). Throws the URL parser's `TypeError` when the result is not a URL.
 */
export function joinUrl(href: string, base: string | undefined, encoding?: string): string {
  return new URL(encodeQuery(href, encoding), base).href;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The URL text of a header value as undici hands it over: one character per byte (undici decodes
 * header values as Latin-1). Valid UTF-8 bytes are decoded as UTF-8 (the URL parser then
 * percent-encodes them as UTF-8); otherwise every byte above 0x7F is percent-encoded as it is.
 */
export function headerUrl(value: string): string {
  let high = false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    // A character above U+00FF did not come from undici's Latin-1 decoding: already text.
    if (code > 0xff) return value;
    if (code >= 0x80) high = true;
  }
  if (!high) return value;
  const bytes = Buffer.from(value, 'latin1');
  try {
    return utf8.decode(bytes);
  } catch {
    let out = '';
    for (const byte of bytes) out += byte < 0x80 ? String.fromCharCode(byte) : `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
    return out;
  }
}
