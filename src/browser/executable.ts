/**
 * Which Chromium to run: `browser.executablePath` when set; else a system Chromium on the PATH
 * (Debian's `chromium`, other distributions' `chromium-browser`, Google Chrome); else the one
 * Playwright downloaded (`npx playwright install chromium`). Arachne never downloads a browser.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ConfigError } from '../errors.js';

const SYSTEM_NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable of `names` on `PATH`, or undefined. */
export function onPath(names: readonly string[], path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    for (const name of names) {
      const candidate = join(dir, name);
      if (executable(candidate)) return candidate;
    }
  }
  return undefined;
}

/**
 * The Chromium executable to launch. `playwrightPath` is playwright-core's own guess (where
 * `npx playwright install` puts it), checked after the system's.
 */
export function findChromium(setting: string, playwrightPath: () => string | undefined): string {
  if (setting !== '') {
    if (executable(setting)) return setting;
    throw new ConfigError('ERR_BROWSER_NOT_FOUND', `browser.executablePath ${JSON.stringify(setting)} is not an executable file`, {
      hint: 'point browser.executablePath at a Chromium binary (e.g. /usr/bin/chromium), or leave it empty to find one',
    });
  }
  const system = onPath(SYSTEM_NAMES);
  if (system !== undefined) return system;
  let own: string | undefined;
  try {
    own = playwrightPath();
  } catch {
    own = undefined;
  }
  if (own !== undefined && executable(own)) return own;
  throw new ConfigError('ERR_BROWSER_NOT_FOUND', 'no Chromium found: none of chromium, chromium-browser, google-chrome is on the PATH, and Playwright has not downloaded one', {
    hint: 'install one (apt install chromium, or npx playwright install chromium), or set browser.executablePath',
  });
}
