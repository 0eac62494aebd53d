/**
 * Proxy configuration: `proxy.list` entries (URL strings or objects) and `proxy.file` lines,
 * parsed into `ProxyConfig`s with an id that never contains credentials. Every error names the
 * entry, with its password redacted.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import type { ProxyEntry } from '../settings/proxies.js';
import { redactUrl } from '../settings/redact.js';

export interface ProxyConfig {
  /** `host:port` (plus `#n` when two entries share it): safe for logs, stats and traces. */
  readonly id: string;
  /** The full URL, credentials included: only the transport sees it. */
  readonly url: string;
  /** The URL with its password replaced by `***`. */
  readonly redacted: string;
  readonly maxConcurrency: number | undefined;
  readonly tags: readonly string[];
  readonly domains: readonly string[];
}

/** Also hides every known proxy password in free text (error messages from libraries). */
export function redactSecrets(text: string, proxies: readonly ProxyConfig[]): string {
  let out = text;
  for (const proxy of proxies) {
    const url = new URL(proxy.url);
    for (const secret of [url.password, url.password && decodeURIComponent(url.password)]) {
      if (secret && secret.length >= 3) out = out.split(secret).join('***');
    }
  }
  return out;
}

function parseEntry(entry: ProxyEntry, where: string): Omit<ProxyConfig, 'id'> & { hostPort: string } {
  const spec = typeof entry === 'string' ? { url: entry.trim() } : entry;
  let url: URL;
  try {
    url = new URL(spec.url);
  } catch {
    throw new ConfigError('ERR_PROXY_URL', `${where}: ${JSON.stringify(redactUrl(spec.url))} is not a valid proxy URL`, {
      hint: 'write proxies as http://user:password@host:port',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError('ERR_PROXY_SCHEME', `${where}: proxy ${redactUrl(spec.url)} has scheme ${url.protocol}, which is not supported`, {
      hint: 'use an http:// or https:// proxy (CONNECT tunnels); SOCKS is not supported',
    });
  }
  if (!url.hostname) {
    throw new ConfigError('ERR_PROXY_URL', `${where}: proxy ${redactUrl(spec.url)} has no host`, { hint: 'write http://host:port' });
  }
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return {
    url: url.href,
    redacted: redactUrl(url.href),
    maxConcurrency: typeof entry === 'string' ? undefined : entry.maxConcurrency,
    tags: typeof entry === 'string' ? [] : (entry.tags ?? []),
    domains: (typeof entry === 'string' ? [] : (entry.domains ?? [])).map((d) => d.toLowerCase()),
    hostPort: `${url.hostname}:${port}`,
  };
}

/** Reads `proxy.file`: one proxy URL per line; blank lines and `#` comments are skipped. */
export function readProxyFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError('ERR_PROXY_FILE', `proxy.file ${path} cannot be read: ${(error as Error).message}`, {
      hint: 'point proxy.file at a text file with one proxy URL per line',
      cause: error,
    });
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line !== '');
}

/** Parses the configured proxies; ids are `host:port`, suffixed `#2`, `#3` when repeated. */
export function parseProxies(list: readonly ProxyEntry[], file: string): ProxyConfig[] {
  const entries: [ProxyEntry, string][] = list.map((e, i) => [e, `proxy.list[${i}]`]);
  if (file) readProxyFile(file).forEach((line, i) => entries.push([line, `${file}:${i + 1}`]));
  if (entries.length === 0) {
    throw new ConfigError('ERR_PROXY_EMPTY', 'proxy.enabled is true but no proxies are configured', {
      hint: 'set proxy.list (or proxy.file), or turn proxy.enabled off',
    });
  }
  const seen = new Map<string, number>();
  return entries.map(([entry, where]) => {
    const { hostPort, ...rest } = parseEntry(entry, where);
    const n = (seen.get(hostPort) ?? 0) + 1;
    seen.set(hostPort, n);
    return { id: n === 1 ? hostPort : `${hostPort}#${n}`, ...rest };
  });
}
