import { defineConfig } from 'arachne';

export default defineConfig({
  // The example blog is local and fast: 4 requests at a time to it, no delay between them.
  concurrency: { perDomain: 4 },
  download: { delayMs: 0 },
  log: { level: 'info' },
});
