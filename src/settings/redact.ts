import type { SettingValues } from './defaults.js';

/** A URL with its password (or a lone token in the user name) replaced by `***`. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    else if (url.username) url.username = '***';
    return url.href.replace(/\/$/, '');
  } catch {
    // Not a URL: hide anything between "//" and "@", where credentials would be.
    return raw.replace(/\/\/[^/@]*@/, '//***@');
  }
}

/**
 * Settings safe to print: proxy credentials and the HTTP auth password replaced by `***`
 * (`crawl settings` output, logs).
 */
export function redactSettings(values: Readonly<SettingValues>): SettingValues {
  return {
    ...values,
    'proxy.list': values['proxy.list'].map((entry) => (typeof entry === 'string' ? redactUrl(entry) : { ...entry, url: redactUrl(entry.url) })),
    ...(values['httpAuth.password'] ? { 'httpAuth.password': '***' } : {}),
  };
}
