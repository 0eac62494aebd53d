/**
 * Which requests the browser renders (in http/, so the frontier and the browser both read it), decided from the request and `browser.mode` alone, so the
 * frontier can ask it before dispatch (the `browser.maxPages` budget) without loading anything
 * of the browser.
 */
import type { BrowserMeta } from './browser-options.js';
import type { Request } from './request.js';
import type { SettingValues } from '../settings/defaults.js';

/** What `meta.browser` (or `browser.mode`) asks for this request. robots.txt always goes over HTTP. */
export function wantedRendering(request: Request, mode: SettingValues['browser.mode']): BrowserMeta {
  const meta = request.meta.browser;
  if (meta !== undefined) return meta;
  if (mode === 'request' || request.url.endsWith('/robots.txt')) return false;
  return mode === 'always' ? true : 'auto';
}

/**
 * True when `request` goes to the browser without an HTTP fetch first: it takes a unit of the
 * frontier's `browser.maxPages` budget. `auto` requests start over HTTP and take none (a page
 * rendered after its HTTP copy waits for a page in the pool, which caps pages as well).
 */
export function rendersDirectly(request: Request, mode: SettingValues['browser.mode']): boolean {
  const wanted = wantedRendering(request, mode);
  return wanted !== false && wanted !== 'auto';
}
