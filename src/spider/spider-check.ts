/**
 * The checks a spider class gets when its file is loaded, so a mistake in it is a coded error
 * naming the class and the fix rather than "no spider in the file", a made-up name, or
 * `startUrls: 'https://a.example/'` crawled letter by letter.
 */
import { ConfigError } from '../errors.js';
import type { SpiderClass } from './spider.js';

function hasMethod(prototype: unknown, name: string): boolean {
  return typeof (prototype as Record<string, unknown> | null | undefined)?.[name] === 'function';
}

/** A class that extends Spider (it inherits `start` and `request`), with or without `parse`. */
export function extendsSpider(value: unknown): value is SpiderClass {
  if (typeof value !== 'function') return false;
  const prototype = (value as { prototype?: unknown }).prototype;
  return hasMethod(prototype, 'start') && hasMethod(prototype, 'request');
}

function isStringArray(value: unknown): boolean {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/**
 * Throws the coded error of the first mistake in `spiderClass` (exported from `file`):
 * `ERR_SPIDER_NO_PARSE`, `ERR_SPIDER_NAME`, `ERR_SPIDER_START_URLS`, `ERR_SPIDER_ALLOWED_DOMAINS`.
 */
export function checkSpiderClass(spiderClass: SpiderClass, file: string): void {
  const name: unknown = spiderClass.name;
  // An anonymous `export default class extends Spider` is named "default" by the language.
  if (typeof name !== 'string' || name.trim() === '' || name === 'default') {
    throw new ConfigError('ERR_SPIDER_NAME', `a spider class in ${file} has no name${name === 'default' ? ' (an anonymous class is called "default")' : ''}`, {
      hint: "give it one: `static override name = 'books';` (crawl run <name> finds it by this name)",
    });
  }
  const label = `spider "${name}" in ${file}`;
  if (!hasMethod(spiderClass.prototype, 'parse')) {
    throw new ConfigError('ERR_SPIDER_NO_PARSE', `${label} has no parse() method`, {
      hint: 'add `async *parse(response) { ... }`: the callback of every request that names no other',
    });
  }
  const { startUrls, allowedDomains } = spiderClass as { startUrls?: unknown; allowedDomains?: unknown };
  if (startUrls !== undefined && !isStringArray(startUrls)) {
    throw new ConfigError('ERR_SPIDER_START_URLS', `${label}: startUrls is ${typeof startUrls === 'string' ? `the string ${JSON.stringify(startUrls.slice(0, 60))}` : typeof startUrls}, not an array of URLs`, {
      hint: `write it as an array: static override startUrls = [${typeof startUrls === 'string' ? JSON.stringify(startUrls.slice(0, 60)) : "'https://example.com/'"}];`,
    });
  }
  if (allowedDomains !== undefined && !isStringArray(allowedDomains)) {
    throw new ConfigError('ERR_SPIDER_ALLOWED_DOMAINS', `${label}: allowedDomains is ${typeof allowedDomains === 'string' ? `the string ${JSON.stringify(allowedDomains)}` : typeof allowedDomains}, not an array of host names`, {
      hint: `write it as an array: static override allowedDomains = [${typeof allowedDomains === 'string' ? JSON.stringify(allowedDomains) : "'example.com'"}];`,
    });
  }
}
