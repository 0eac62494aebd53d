/**
 * The browser tests need a Chromium: the system's (Debian's `chromium`), Playwright's own, or
 * `CHROMIUM_PATH`. Without one they fail at once with the coded error the crawl itself would
 * give (ERR_BROWSER_NOT_FOUND and its fix), never hang: the launch is bounded too.
 */
import { chromium } from 'playwright-core';
import { findChromium } from '../../src/browser/executable.js';

export const CHROMIUM = findChromium(process.env.CHROMIUM_PATH ?? '', () => chromium.executablePath());

/** Browser settings every browser test uses: the Chromium found above, a bounded launch. */
export const BROWSER_SETTINGS = { executablePath: CHROMIUM, launchTimeoutMs: 20_000 } as const;
