/**
 * The `download.resolve` setting (curl's `--resolve`): host name patterns to the address to
 * connect to, e.g. `{ "shop.example": "127.0.0.1", "*.shop.example": "::1", "*": "10.0.0.2" }`.
 * A pattern is a host name, `*.domain` (its subdomains at any depth, not the domain itself) or
 * `*` (every host); the value is an IPv4 or IPv6 address (brackets allowed). Matched by the DNS
 * cache (src/downloader/dns-cache.ts): exact names first, then the longest wildcard, then `*`.
 */
import { isIP } from 'node:net';
import { SpecMismatch } from './spec.js';

const TYPE = 'Record<host | "*.domain" | "*", IP address>';
const PATTERN = /^(\*|(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?)$/i;

/** `[::1]` to `::1`. */
export function bareAddress(address: string): string {
  return address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
}

export function checkResolveMap(value: unknown): Record<string, string> | SpecMismatch {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return new SpecMismatch(TYPE);
  const out: Record<string, string> = {};
  for (const [pattern, address] of Object.entries(value)) {
    if (!PATTERN.test(pattern)) return new SpecMismatch(`${TYPE}; "${pattern}" is not a host name, "*.domain" or "*"`);
    if (typeof address !== 'string' || !isIP(bareAddress(address))) {
      return new SpecMismatch(`${TYPE}; the address of "${pattern}" (${JSON.stringify(address)}) is not an IP address`);
    }
    out[pattern.toLowerCase()] = bareAddress(address);
  }
  return out;
}
