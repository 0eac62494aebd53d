/**
 * A cap on how deeply a page nests its tags, checked before the HTML parser sees it.
 * htmlparser2 keeps its open-element stack with `unshift`, so each open tag costs the depth so
 * far: 1 MB of nested `<div>`s took 12.8 s to parse, long enough for one hostile page to stall a
 * parse worker. Browsers cap the tree too (Chromium's HTML parser at 512 levels).
 *
 * The check is a linear scan of tag openings and closings; it estimates the depth the parser's
 * stack reaches (void elements and the tags HTML closes implicitly are not counted). Pages under
 * `DEPTH_SCAN_MIN_CHARS` are not scanned: too short to be slow whatever their nesting.
 */
import { CallbackError } from '../errors.js';

/** Estimated open-element depth above which a page is refused. */
export const MAX_HTML_DEPTH = 10_000;
/** Pages shorter than this are parsed without the scan (64 Ki characters parse in well under 0.1 s at any depth). */
export const DEPTH_SCAN_MIN_CHARS = 64 * 1024;

// Void elements, and elements whose end tag HTML lets authors omit (the parser closes them).
const NOT_COUNTED = new Set(
  'area base basefont br col command embed frame hr img input isindex keygen link meta param source track wbr p li dt dd option optgroup tr td th thead tbody tfoot rt rp colgroup caption head body html'.split(' '),
);

const TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)/g;

/** The estimated peak nesting depth of `html`. */
export function estimateHtmlDepth(html: string): number {
  let depth = 0;
  let peak = 0;
  TAG.lastIndex = 0;
  for (let match = TAG.exec(html); match !== null; match = TAG.exec(html)) {
    const name = match[2]!.toLowerCase();
    if (NOT_COUNTED.has(name)) continue;
    if (match[1] === '/') depth = Math.max(0, depth - 1);
    else if (++depth > peak) peak = depth;
  }
  return peak;
}

/** Throws `ERR_HTML_TOO_DEEP` for a long page nested deeper than `max`. */
export function checkHtmlDepth(html: string, url: string, max = MAX_HTML_DEPTH): void {
  if (html.length < DEPTH_SCAN_MIN_CHARS) return;
  const depth = estimateHtmlDepth(html);
  if (depth <= max) return;
  throw new CallbackError('ERR_HTML_TOO_DEEP', `the page ${url} nests its tags about ${depth} deep (more than ${max}): not parsed, its parse time grows with the square of the depth`, {
    hint: 'a hostile or broken page: read response.text with a regular expression if you need it, or skip it (the crawl goes on)',
  });
}
