/**
 * The page as Arachne saw it, for a browser: the body written to a temporary .html file with a
 * `<base href>` to the response URL, so relative links, styles and images resolve against the
 * site (Scrapy's `view` does the same). The body is Arachne's decoded text, not a re-render.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Response } from '../http/response.js';

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/** The body with `<base href="url">` first in <head> (or first of all when the page has no head). */
export function withBaseHref(html: string, url: string): string {
  if (/<base\s[^>]*href/i.test(html)) return html;
  const base = `<base href="${escapeAttribute(url)}">`;
  const head = /<head(\s[^>]*)?>/i.exec(html);
  if (head) return html.slice(0, head.index + head[0].length) + base + html.slice(head.index + head[0].length);
  return base + html;
}

/** Writes the response to a fresh temporary file; returns its path. */
export function writeViewFile(response: Response): string {
  const file = join(mkdtempSync(join(tmpdir(), 'arachne-view-')), 'response.html');
  writeFileSync(file, withBaseHref(response.text, response.url));
  return file;
}
