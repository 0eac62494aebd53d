/**
 * The shape and check of the `proxy.list` setting. The proxy pool parses entries into proxies
 * (src/proxy/proxy-config.ts); here is only what a valid value looks like.
 */
import { SpecMismatch } from './spec.js';

/** One proxy as written in settings: a URL, or an object with per-proxy options. */
export type ProxyEntry =
  | string
  | {
      url: string;
      /** Requests through this proxy at once (overrides `proxy.maxConcurrencyPerProxy`). */
      maxConcurrency?: number;
      /** Free labels (e.g. `"residential"`), for `meta.proxyTags`. */
      tags?: string[];
      /** Dedicate this proxy to these domains (and their subdomains): `proxy.partition`. */
      domains?: string[];
    };

/** The settings check of `proxy.list`: strings or {url, maxConcurrency?, tags?, domains?}. */
export function checkProxyList(value: unknown): ProxyEntry[] | SpecMismatch {
  const type = 'Array<url | {url, maxConcurrency?, tags?, domains?}>';
  if (!Array.isArray(value)) return new SpecMismatch(type);
  for (const entry of value) {
    if (typeof entry === 'string') continue;
    if (typeof entry !== 'object' || entry === null || typeof (entry as { url?: unknown }).url !== 'string') return new SpecMismatch(type);
    for (const key of Object.keys(entry)) {
      if (!['url', 'maxConcurrency', 'tags', 'domains'].includes(key)) return new SpecMismatch(`${type}; unknown proxy option "${key}"`);
    }
    const { maxConcurrency, tags, domains } = entry as Record<string, unknown>;
    if (maxConcurrency !== undefined && !(Number.isInteger(maxConcurrency) && (maxConcurrency as number) >= 1)) return new SpecMismatch(`${type}; maxConcurrency must be an integer >= 1`);
    for (const list of [tags, domains]) {
      if (list !== undefined && !(Array.isArray(list) && list.every((t) => typeof t === 'string'))) return new SpecMismatch(`${type}; tags and domains are string arrays`);
    }
  }
  return value as ProxyEntry[];
}


/** The settings check of `proxy.partition`: domain pattern to proxy tags. */
export function checkPartition(value: unknown): Record<string, string[]> | SpecMismatch {
  const type = 'Record<pattern, tag[]>';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return new SpecMismatch(type);
  for (const tags of Object.values(value)) {
    if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) return new SpecMismatch(type);
  }
  return value as Record<string, string[]>;
}

/** A string that compiles as a regular expression. */
export function checkRegExp(value: unknown): string | SpecMismatch {
  if (typeof value !== 'string') return new SpecMismatch('string (a regular expression)');
  try {
    new RegExp(value);
    return value;
  } catch (error) {
    return new SpecMismatch(`a valid regular expression (${(error as Error).message})`);
  }
}
