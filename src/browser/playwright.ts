/**
 * playwright-core, loaded only when a request first needs the browser: it is an optional
 * dependency, so a crawl that never renders a page never imports it, and a project that never
 * renders need not install it. playwright-core ships no browser (nothing is downloaded at install
 * time); Chromium is found by executable.ts.
 */
import type * as PlaywrightCore from 'playwright-core';
import { ConfigError } from '../errors.js';

/** The part of playwright-core Arachne uses: `chromium` and its types (imported as types only). */
export type Playwright = typeof PlaywrightCore;

let loading: Promise<Playwright> | undefined;

/** playwright-core, imported once; a coded error naming the install command when it is missing. */
export function loadPlaywright(importer: () => Promise<Playwright> = () => import('playwright-core')): Promise<Playwright> {
  loading ??= importer().catch((error: unknown) => {
    loading = undefined;
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new ConfigError('ERR_PLAYWRIGHT_MISSING', 'a request asked for the browser (meta.browser or browser.mode), but playwright-core is not installed', {
        hint: 'npm install playwright-core (Chromium itself comes from your system, e.g. apt install chromium, or from `npx playwright install chromium`)',
        cause: error,
      });
    }
    throw error;
  });
  return loading;
}
