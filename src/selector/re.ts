/**
 * parsel's `re()` on one string: with a group named `extract`, that group of the first match;
 * otherwise every match (findall), where a pattern with groups yields its groups (all of them,
 * flattened, '' for a group that did not take part) instead of the whole match. Entities are then
 * replaced, except `&lt;` and `&amp;` (as parsel does with w3lib's `replace_entities`).
 */
import type * as Entities from 'entities';
import { lazyPackage } from '../load-package.js';

// CommonJS, on the first entity met: the copy cheerio uses (see css.ts).
const entities = lazyPackage<typeof Entities>('entities', 'selectors');

const CACHE = new Map<string, RegExp>();

function globalRegex(pattern: RegExp | string): RegExp {
  const key = typeof pattern === 'string' ? `u/${pattern}` : `${pattern.flags}/${pattern.source}`;
  let re = CACHE.get(key);
  if (!re) {
    const flags = typeof pattern === 'string' ? 'gu' : pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`;
    re = new RegExp(typeof pattern === 'string' ? pattern : pattern.source, flags);
    if (CACHE.size >= 256) CACHE.clear();
    CACHE.set(key, re);
  }
  re.lastIndex = 0;
  return re;
}

// `&name;`, `&#123;`, `&#x1F;` (the `;` is optional for the legacy names, as in w3lib).
const ENTITY = /&(#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);?/g;

function replaceEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(ENTITY, (whole, name: string) => (name === 'lt' || name === 'amp' ? whole : entities().decodeHTML(whole)));
}

export interface ReOptions {
  /** Replace HTML entities (except `&lt;` and `&amp;`) in the results. Default true. */
  replaceEntities?: boolean;
}

export function extractRegex(text: string, pattern: RegExp | string, options: ReOptions = {}): string[] {
  const re = globalRegex(pattern);
  const out: string[] = [];
  let match = re.exec(text);
  if (match?.groups && 'extract' in match.groups) {
    const value = match.groups.extract;
    if (value !== undefined) out.push(value);
  } else {
    while (match) {
      if (match.length === 1) out.push(match[0]);
      else for (let i = 1; i < match.length; i++) out.push(match[i] ?? '');
      // An empty match would loop forever at the same index.
      if (match[0] === '') re.lastIndex++;
      match = re.exec(text);
    }
  }
  return options.replaceEntities === false ? out : out.map(replaceEntities);
}
