/**
 * Serves the test site in its own process for benchmarks, so the server's work does not share
 * the crawler's event loop. Prints `{"url": ...}` as one line on stdout once listening; exits
 * when stdin closes (the parent died or is done).
 *
 *   node --import tsx test/bench/serve-site.ts '{"pages": 5000, "latencyMs": 100}'
 */
import { startSite, type SiteOptions } from '../fixtures/site.js';

const options = JSON.parse(process.argv[2] ?? '{}') as SiteOptions;
const site = await startSite(options);
process.stdout.write(`${JSON.stringify({ url: site.url, port: site.port })}\n`);
process.stdin.resume();
process.stdin.on('end', () => void site.close().then(() => process.exit(0)));
