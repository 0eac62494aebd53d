/**
 * Report benchmark (a script, not a test): a synthetic 100,000-request trace (20 domains, 8
 * proxies, a mix of statuses, retries and failures), built into a report and opened in headless
 * Chromium. Prints the time to build the HTML in Node and the time from navigation until the
 * waterfall has drawn (the target is under 5 s).
 *
 *   npm run bench:report [-- --requests 100000 --keep]
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { writeReport } from '../../src/report/write-report.js';
import type { TraceRecord } from '../../src/trace/format.js';
import { launchChromium } from '../report/chromium.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '100000' }, keep: { type: 'boolean', default: false } } });
const total = Number(values.requests);
const dir = mkdtempSync(join(tmpdir(), 'arachne-bench-report-'));

// A seeded generator, so every run measures the same trace.
let seed = 42;
const random = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);

const concurrency = 64;
const lanes = new Array<number>(concurrency).fill(0);
const lines = [JSON.stringify({ arachne_trace: 1, startedAt: new Date().toISOString(), spider: 'bench', sampleRate: 1, limits: { global: concurrency, perDomain: 8, perIp: 0, perProxy: 8, proxies: 8, delayMs: 0, ratePerMinute: 0 } })];
for (let i = 0; i < total; i++) {
  const lane = i % concurrency;
  const dispatched = lanes[lane]! + random() * 2;
  const latency = 20 + random() ** 3 * 800;
  const done = dispatched + latency;
  lanes[lane] = done;
  const roll = random();
  const outcome: TraceRecord['outcome'] = roll < 0.9 ? 'ok' : roll < 0.95 ? 'http' : roll < 0.98 ? 'retry' : 'failed';
  const status = outcome === 'ok' ? (roll < 0.85 ? 200 : 301) : outcome === 'http' ? (roll < 0.93 ? 404 : 503) : null;
  const record: TraceRecord = {
    url: `https://shop-${i % 20}.example/products/${i}?page=${i % 50}`,
    method: 'GET',
    queued: Math.max(0, dispatched - random() * 50),
    dispatched,
    sent: status ? dispatched + 0.5 : null,
    headers: status ? dispatched + latency * 0.8 : null,
    done,
    slot: `shop-${i % 20}.example`,
    ipSlot: null,
    proxy: `10.0.0.${i % 8}:8080`,
    ip: status ? `192.0.2.${i % 20}` : null,
    status,
    bytes: status ? 2000 + Math.round(random() * 30_000) : null,
    reused: status ? random() < 0.92 : null,
    retries: outcome === 'retry' ? 0 : Number(random() < 0.02),
    outcome,
    error: outcome === 'failed' ? 'ERR_TIMEOUT' : null,
  };
  lines.push(JSON.stringify(record));
}
const tracePath = join(dir, 'trace.jsonl');
const reportPath = join(dir, 'report.html');
writeFileSync(tracePath, `${lines.join('\n')}\n`);

const built = performance.now();
await writeReport(tracePath, reportPath);
const buildMs = performance.now() - built;

const browser = await launchChromium();
try {
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  const start = performance.now();
  await page.goto(`file://${reportPath}`, { timeout: 60_000 });
  await page.waitForFunction(`document.getElementById('waterfall')?.getAttribute('data-bars') !== '0'`, undefined, { timeout: 60_000 });
  const renderMs = performance.now() - start;
  const bars = await page.getAttribute('#waterfall', 'data-bars');
  // One zoom step: the redraw cost of an interaction on the full trace.
  const box = (await page.locator('#waterfall').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + 40);
  const zoomStart = performance.now();
  await page.mouse.wheel(0, -300);
  await page.waitForFunction(`document.getElementById('waterfall')?.getAttribute('data-bars') !== ${JSON.stringify(bars)}`);
  const zoomMs = performance.now() - zoomStart;
  console.log(`trace: ${total} requests, ${(statSync(tracePath).size / 2 ** 20).toFixed(1)} MiB; report: ${(statSync(reportPath).size / 2 ** 20).toFixed(1)} MiB`);
  console.log(`build report in Node: ${buildMs.toFixed(0)} ms`);
  console.log(`open and render in Chromium (navigation to waterfall drawn): ${renderMs.toFixed(0)} ms (${bars} bars)${renderMs < 5000 ? ' < 5 s: ok' : ' OVER the 5 s target'}`);
  console.log(`one zoom step (redraw): ${zoomMs.toFixed(0)} ms`);
  if (errors.length) console.log(`page errors: ${errors.join('; ')}`);
  if (values.keep) console.log(`kept: ${reportPath}`);
  process.exitCode = errors.length || renderMs >= 5000 ? 1 : 0;
} finally {
  await browser.close();
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
}
