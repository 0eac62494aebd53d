/**
 * Settings of the {{name}} project, above Arachne's defaults and below each spider's
 * `customSettings` and the command line's `-s key=value`. `npx crawl settings` prints the
 * effective values; `npx crawl settings --get download.delayMs` prints one.
 */
import { defineConfig } from 'arachne';
import { TrimStrings } from './pipelines.js';

export default defineConfig({
{{robotsSetting}}  // Polite per-site defaults: two requests at a time per domain, about half a second
  // apart (randomised between 0.25 s and 0.75 s so the pattern does not look mechanical).
  concurrency: { perDomain: 2 },
  download: { delayMs: 500, randomizeDelay: true },

  // Item pipelines, run in order on every item (see pipelines.ts).
  pipelines: [TrimStrings],

  // Every other setting, at its default. Uncomment a line to change it.
{{settingsComments}}
});
