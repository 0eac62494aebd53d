/**
 * Debian's headless Chromium through playwright-core (no downloaded browsers). The flags keep it
 * off the network: the machine's network is closed, and without them Chromium's background
 * connections are refused many at a time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { CHROMIUM } from '../browser/chromium-required.js';

/** The Chromium the browser tests found (a coded error at import, never a hang, when none). */
export const CHROMIUM_PATH = CHROMIUM;

/** A launch that has not finished by then has failed: a missing or broken binary never hangs a test. */
const LAUNCH_TIMEOUT_MS = 30_000;

export interface LaunchedBrowser {
  /** A persistent context on a fresh profile folder (playwright's way to pass `--user-data-dir`). */
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<LaunchedBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'arachne-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    timeout: LAUNCH_TIMEOUT_MS,
    viewport: { width: 1280, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
