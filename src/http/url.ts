/**
 * URL canonicalisation, as w3lib's `canonicalize_url`: the form two URLs share when a server
 * would see them as the same resource. The fingerprint (and so the seen set) is built on it.
 *
 * The WHATWG parser (`new URL`) already does the structural part: lower-case scheme and host,
 * IDNA/punycode for Unicode hosts, default ports dropped, dot segments resolved, non-ASCII
 * percent-encoded as UTF-8. This module adds what it leaves alone: percent-encoding case and
 * choice (RFC 3986 §6.2.2.1-2), query parameter order, the fragment and an empty `?`.
 */
import { DropRequestError } from '../errors.js';

export interface CanonicalizeOptions {
  /** Keep the `#fragment` (for sites that route on it). Default false: it is dropped. */
  keepFragments?: boolean;
}

// Per ASCII code: 2 = unreserved (RFC 3986 §2.3: a %XX of it is decoded), 1 = reserved
// (§2.2: kept raw and kept encoded, since encoding changes its meaning), 0 = must be encoded.
const CLASS = new Uint8Array(128);
for (const ch of ':/?#[]@!$&\'()*+,;=') CLASS[ch.charCodeAt(0)] = 1;
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9\-._~]/.test(ch)) CLASS[c] = 2;
}
const PERCENT = 0x25;
const HEX = '0123456789ABCDEF';

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

/**
 * Normalise the percent-encoding of one component (path, a query pair, the fragment) in one
 * linear pass: `%xx` becomes upper-case, `%41` of an unreserved character becomes `A`, characters
 * RFC 3986 does not allow raw (`|`, `^`, `` ` ``, a lone `%`...) get encoded. WHATWG leaves some of
 * those raw, so without this `/a|b` and `/a%7Cb` would fingerprint differently.
 */
export function normalisePercentEncoding(component: string): string {
  const length = component.length;
  let i = 0;
  // The common case: nothing to do, and no string is built.
  while (i < length) {
    const code = component.charCodeAt(i);
    if (code >= 128 || CLASS[code] === 0) break;
    i++;
  }
  if (i === length) return component;

  let out = component.slice(0, i);
  for (; i < length; i++) {
    const code = component.charCodeAt(i);
    if (code === PERCENT) {
      const high = hexValue(component.charCodeAt(i + 1));
      const low = high < 0 ? -1 : hexValue(component.charCodeAt(i + 2));
      if (low < 0) {
        out += '%25';
        continue;
      }
      const byte = high * 16 + low;
      out += byte < 128 && CLASS[byte] === 2 ? String.fromCharCode(byte) : `%${HEX[high]}${HEX[low]}`;
      i += 2;
    } else if (code < 128) {
      out += CLASS[code] === 0 ? `%${HEX[code >> 4]}${HEX[code & 15]}` : component[i];
    } else {
      // The WHATWG parser has already encoded non-ASCII in http(s) URLs; this covers the others.
      const point = component.codePointAt(i) as number;
      out += encodeURIComponent(String.fromCodePoint(point));
      if (point > 0xffff) i++;
    }
  }
  return out;
}

/** Sort `a=1&b=2` pairs by key, stably (repeated keys keep their order); empty pairs go. */
function canonicalQuery(query: string): string {
  if (query.indexOf('&') < 0) return normalisePercentEncoding(query);
  const pairs: { key: string; pair: string }[] = [];
  for (const raw of query.split('&')) {
    if (raw === '') continue;
    const pair = normalisePercentEncoding(raw);
    const eq = pair.indexOf('=');
    pairs.push({ key: eq < 0 ? pair : pair.slice(0, eq), pair });
  }
  // Code-unit order, not localeCompare: the result must not depend on the machine's locale.
  // Array.prototype.sort is stable (ES2019), which keeps repeated keys in their order.
  pairs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  let out = '';
  for (let i = 0; i < pairs.length; i++) out += i === 0 ? pairs[i].pair : `&${pairs[i].pair}`;
  return out;
}

function parse(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new DropRequestError('ERR_INVALID_URL', `URL ${JSON.stringify(url)} is not an absolute URL`, {
      hint: 'canonicalise absolute URLs only; join relative links first (response.urljoin)',
    });
  }
}

const isHttp = (href: string): boolean => href.startsWith('https://') || href.startsWith('http://');

/**
 * The canonical form of an http(s) URL the WHATWG parser serialised (every `Request.url`, a link
 * `joinUrl` made), fragment dropped: the same as `canonicalizeUrl`, cut from the string instead of
 * parsed again (a parser-made href parses back to itself). The engine fingerprints every link
 * with it.
 */
export function canonicalizeParsedHref(href: string): string {
  return canonicalizeHref(href, false);
}

/**
 * The canonical form of an absolute URL: lower-case scheme and host (punycode for Unicode
 * hosts), no default port, percent-encoding normalised (upper-case hex, unreserved characters
 * decoded), query parameters sorted by key (stable), no empty `?`, no fragment unless
 * `keepFragments`. Path case is kept. Throws `ERR_INVALID_URL` for a string that is not an
 * absolute URL.
 */
export function canonicalizeUrl(url: string, options?: CanonicalizeOptions): string {
  const keepFragments = options?.keepFragments ?? false;
  const parsed = parse(url);
  const href = parsed.href;
  return isHttp(href) ? canonicalizeHref(href, keepFragments) : canonicalizeOther(parsed, keepFragments);
}

/**
 * The canonical form of a WHATWG-serialised http(s) href. Fast path, one scan and no allocation:
 * with no `?`, `#` or `%` and nothing that needs encoding, the href is already canonical (scheme,
 * host, port and dot segments are the parser's job). Otherwise it is cut by hand rather than
 * through the URL component getters (each allocates): userinfo and host cannot hold a raw `/`,
 * the path no raw `?` or `#`, the query no raw `#`, and WHATWG always gives http(s) a path of at
 * least `/`.
 */
function canonicalizeHref(href: string, keepFragments: boolean): string {
  let i = 0;
  for (; i < href.length; i++) {
    const code = href.charCodeAt(i);
    if (code >= 128 || CLASS[code] === 0 || code === 0x3f /* ? */ || code === 0x23 /* # */) break;
  }
  if (i === href.length) return href;
  return canonicalizeFrom(href, href.indexOf('/', href.indexOf(':') + 3), keepFragments);
}

/** Other schemes (opaque paths such as `mailto:x`, optional paths): rare; the parser cuts. */
function canonicalizeOther(parsed: URL, keepFragments: boolean): string {
  const href = parsed.href;
  let i = 0;
  for (; i < href.length; i++) {
    const code = href.charCodeAt(i);
    if (code >= 128 || CLASS[code] === 0 || code === 0x3f /* ? */ || code === 0x23 /* # */) break;
  }
  if (i === href.length) return href;
  const copy = new URL(href);
  copy.hash = '';
  copy.search = '';
  return canonicalizeFrom(href, copy.href.length - copy.pathname.length, keepFragments);
}

function canonicalizeFrom(href: string, pathStart: number, keepFragments: boolean): string {
  let hashStart = href.indexOf('#', pathStart);
  if (hashStart < 0) hashStart = href.length;
  let queryStart = href.indexOf('?', pathStart);
  if (queryStart < 0 || queryStart > hashStart) queryStart = hashStart;

  // An empty `?` or `#` gives an empty query or fragment: both are dropped here.
  let out = href.slice(0, pathStart) + normalisePercentEncoding(href.slice(pathStart, queryStart));
  const query = queryStart + 1 < hashStart ? canonicalQuery(href.slice(queryStart + 1, hashStart)) : '';
  if (query !== '') out += `?${query}`;
  if (keepFragments && hashStart + 1 < href.length) out += `#${normalisePercentEncoding(href.slice(hashStart + 1))}`;
  return out;
}
