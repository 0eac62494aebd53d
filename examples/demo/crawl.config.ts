import { defineConfig } from 'arachne';

// Nested groups mirror the setting keys: `concurrency: { perDomain }` is `concurrency.perDomain`.
export default defineConfig({
  // The demo shop is local and fast: 8 requests at a time to it, no delay between them.
  concurrency: { perDomain: 8 },
  download: { delayMs: 0 },
  log: { level: 'info' },
});
