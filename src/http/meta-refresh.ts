/**
 * `<meta http-equiv="refresh" content="5; url=...">` in an HTML page, found as w3lib's
 * `get_meta_refresh` finds it (the behaviour Scrapy's MetaRefreshMiddleware and its users rely
 * on): a tag inside `<script>`, `<noscript>` or a comment does not count. A page that says
 * "enable JavaScript" in `<noscript><meta http-equiv=refresh ...>` is not redirected by a
 * browser with scripts on, and a script that writes such a tag into a string does not redirect
 * either; following them sent crawls to "javascript required" pages instead of the content.
 *
 * Pure text functions; the caller decodes the page head with the page's encoding.
 */
import { joinUrl } from './url-join.js';

export interface MetaRefresh {
  /** The absolute URL to go to (query encoded in the page's encoding, path in UTF-8). */
  url: string;
  /** The delay the page asks for, in ms. */
  delayMs: number;
}

// A comment, or a script/noscript element with its content; an unterminated one swallows the
// rest of the text, as in a browser. Lazy `[\s\S]*?` with a fixed terminator: linear per match.
const HIDDEN = /<!--[\s\S]*?(?:-->|$)|<(script|noscript)\b[^>]*>[\s\S]*?(?:<\/\1\s*>|$)/gi;
// A `<meta ...>` tag (an unterminated last one runs to the end). `[^>]*` cannot backtrack past `>`.
const META_TAG = /<meta\s[^>]*>?/gi;
// One attribute: name, then an optional double-quoted, single-quoted or bare value.
const ATTRIBUTE = /([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
// HTML's "shared declarative refresh steps": a delay (ASCII digits, optional fraction), then
// optionally `;` or `,`, optionally `url=`, then the URL, optionally quoted.
const CONTENT = /^\s*(\d+(?:\.\d*)?|\.\d+)[\d.]*\s*(?:[;,]\s*(?:url\s*=\s*)?(["']?)([\s\S]*))?$/i;
const ENTITY = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|(amp|quot|apos|lt|gt|nbsp));?/g;
const NAMED: Record<string, string> = { amp: '&', quot: '"', apos: "'", lt: '<', gt: '>', nbsp: '\u00a0' };

/** Decode the character references a URL in an attribute carries (numeric, and the common named ones). */
function decodeEntities(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(ENTITY, (whole, dec: string | undefined, hex: string | undefined, name: string | undefined) => {
    if (name !== undefined) return NAMED[name.toLowerCase()] ?? whole;
    const code = dec !== undefined ? Number(dec) : parseInt(hex as string, 16);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
  });
}

function attributes(tag: string): Map<string, string> {
  const out = new Map<string, string>();
  ATTRIBUTE.lastIndex = 5; // after `<meta`
  for (let m = ATTRIBUTE.exec(tag); m !== null; m = ATTRIBUTE.exec(tag)) {
    const name = m[1]!.toLowerCase();
    if (!out.has(name)) out.set(name, decodeEntities(m[2] ?? m[3] ?? m[4] ?? ''));
  }
  return out;
}

/** Text with comments and `<script>`/`<noscript>` elements removed. */
export function withoutHiddenMarkup(text: string): string {
  return text.includes('<') ? text.replace(HIDDEN, ' ') : text;
}

/**
 * The first meta refresh of `text` (an HTML page, or its head) that names a URL, resolved
 * against `baseUrl`, or undefined. A refresh without a URL (`content="5"`) reloads the same page
 * and is not a redirect. `encoding` is the page's (for the URL's query).
 */
export function findMetaRefresh(text: string, baseUrl: string, encoding?: string): MetaRefresh | undefined {
  const visible = withoutHiddenMarkup(text);
  META_TAG.lastIndex = 0;
  for (let m = META_TAG.exec(visible); m !== null; m = META_TAG.exec(visible)) {
    const attrs = attributes(m[0]);
    if (attrs.get('http-equiv')?.trim().toLowerCase() !== 'refresh') continue;
    const parsed = CONTENT.exec(attrs.get('content') ?? '');
    if (!parsed || parsed[3] === undefined) continue;
    const quote = parsed[2];
    let url = parsed[3];
    if (quote) {
      const close = url.indexOf(quote);
      if (close >= 0) url = url.slice(0, close);
    }
    url = url.trim();
    if (url === '') continue;
    try {
      return { url: joinUrl(url, baseUrl, encoding), delayMs: Number(parsed[1]) * 1000 };
    } catch {
      // An unparsable URL is no redirect: the page goes to its callback.
      continue;
    }
  }
  return undefined;
}
