/** Validation of the names `startproject` and `genspider` turn into files, classes and packages. */
import { isIP } from 'node:net';
import { ConfigError } from '../errors.js';

/** A spider or project name: a letter, then letters, digits, `_` or `-` (it becomes a file name and a class name). */
const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
// RFC 1123 labels: 1-63 letters, digits or hyphens, not starting or ending with a hyphen.
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export function validateName(name: string, what: 'spider' | 'project'): string {
  if (!NAME.test(name)) {
    throw new ConfigError('ERR_INVALID_NAME', `${JSON.stringify(name)} is not a valid ${what} name`, {
      hint: `start with a letter and use only letters, digits, "_" and "-" (at most 64), e.g. ${what === 'spider' ? 'books' : 'my-crawler'}`,
    });
  }
  return name;
}

/** `book-reviews` -> `BookReviewsSpider`; a name already ending in "spider" is not doubled. */
export function spiderClassName(name: string): string {
  const pascal = name
    .split(/[-_]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
  return /spider$/i.test(pascal) ? `${pascal.slice(0, -6)}Spider` : `${pascal}Spider`;
}

export interface ParsedDomain {
  /** The host name, lower-case, for `allowedDomains`. */
  host: string;
  /** The start URL: the URL given, or `https://<host>/`. */
  startUrl: string;
}

function invalidDomain(input: string, why: string): ConfigError {
  return new ConfigError('ERR_INVALID_DOMAIN', `${JSON.stringify(input)} is not a domain: ${why}`, {
    hint: 'pass a host name such as books.example, or a URL such as https://books.example/catalogue/ (its host is used)',
  });
}

/**
 * A host name, or a URL whose host is taken (and which becomes the start URL). `host:port` alone
 * is refused: a domain has no port, and `allowedDomains` matches host names; give a URL instead.
 */
export function parseDomain(input: string): ParsedDomain {
  const trimmed = input.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    let url: URL;
    try {
      url = new URL(trimmed);
    } catch {
      throw invalidDomain(input, 'not a valid URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidDomain(input, `${url.protocol} URLs cannot be crawled`);
    const host = url.hostname.toLowerCase();
    checkHost(input, host.startsWith('[') ? host.slice(1, -1) : host);
    return { host, startUrl: url.href };
  }
  if (/[/:?#@\s]/.test(trimmed)) {
    const scheme = /^([a-z][a-z0-9+.-]*):(?!\d+$)/i.exec(trimmed)?.[1];
    if (scheme !== undefined) throw invalidDomain(input, `${scheme}: URLs cannot be crawled (only http and https)`);
    throw invalidDomain(input, trimmed.includes(':') ? 'a domain has no port (give a URL such as http://host:8080/ instead)' : 'it contains characters a host name cannot hold');
  }
  const host = trimmed.toLowerCase().replace(/\.$/, '');
  checkHost(input, host);
  return { host, startUrl: `https://${host}/` };
}

function checkHost(input: string, host: string): void {
  if (isIP(host)) return;
  if (host.length === 0 || host.length > 253) throw invalidDomain(input, 'a host name has 1 to 253 characters');
  const bad = host.split('.').find((label) => !LABEL.test(label));
  if (bad !== undefined) throw invalidDomain(input, `the label ${JSON.stringify(bad)} is not letters, digits and inner hyphens`);
  if (/^\d+$/.test(host.split('.').at(-1)!)) throw invalidDomain(input, 'it looks like an IP address but is not one');
}
