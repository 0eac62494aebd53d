/**
 * Renders the report of a real local crawl in headless Chromium: no console errors, one waterfall
 * bar per traced attempt, tables that agree with the crawl's stats, zoom that works, and a
 * screenshot kept in a temp folder (its path is printed) for a human to look at.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Response } from '../../src/http/response.js';
import { Spider } from '../../src/spider/spider.js';
import { writeReport } from '../../src/report/write-report.js';
import { startSite, type Site } from '../fixtures/site.js';
import { crawl, stat } from '../helpers/crawl.js';
import { launchChromium, type LaunchedBrowser } from './chromium.js';

let site: Site;
let browser: LaunchedBrowser;
const out = mkdtempSync(join(tmpdir(), 'arachne-report-test-'));

before(async () => {
  site = await startSite({
    pages: 24,
    latencyMs: (req) => (req.url?.includes('/page/1') ? 60 : 15),
    routes: { '/flaky': (_req, res) => void res.writeHead(503, { 'content-type': 'text/plain' }).end('busy') },
  });
  browser = await launchChromium();
});

after(async () => {
  await browser.close();
  await site.close();
});

class ReportSpider extends Spider {
  static override name = 'report-spider';
  override async *start() {
    yield this.request(`${site.url}/page/0`);
    yield this.request(`${site.url}/missing`);
    yield this.request(`${site.url}/flaky`);
  }
  async *parse(response: Response) {
    yield { url: response.url };
    yield* response.followAll('a');
  }
}

test('the report of a real crawl renders in Chromium and agrees with the stats', async () => {
  const tracePath = join(out, 'trace.jsonl');
  const reportPath = join(out, 'report.html');
  const { stats } = await crawl(ReportSpider, {
    'trace.file': tracePath,
    'report.file': reportPath,
    'concurrency.perDomain': 4,
    'retry.times': 1,
    'retry.backoffBaseMs': 0,
  });
  const lines = readFileSync(tracePath, 'utf8').trim().split('\n');
  const records = lines.slice(1, -1).map((l) => JSON.parse(l) as { outcome: string; status: number | null; reused: boolean | null });
  const attempts = stat(stats, 'downloader/requests');
  assert.equal(records.length, attempts, 'one trace record per download attempt');
  assert.equal(stat(stats, 'trace/records'), attempts);

  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('request', (request) => !request.url().startsWith('file:') && errors.push(`network request: ${request.url()}`));
  await page.goto(`file://${reportPath}`);
  await page.waitForFunction(`document.getElementById('waterfall')?.getAttribute('data-bars') !== '0'`);
  assert.deepEqual(errors, []);
  assert.equal(Number(await page.getAttribute('#waterfall', 'data-bars')), attempts, 'one bar per request');

  const cell = async (table: string, col: string): Promise<string> => (await page.textContent(`#${table} tr[data-key="127.0.0.1"] td[data-col="${col}"]`))!.trim();
  assert.equal(Number(await cell('domains', 'requests')), attempts);
  assert.equal(Number(await cell('domains', 'retries')), stat(stats, 'retry/count'));
  const failed = records.filter((r) => r.outcome === 'http' || r.outcome === 'failed').length;
  assert.equal(Number(await cell('domains', 'errors')), failed);
  assert.equal(failed, stat(stats, 'downloader/status/404') + stat(stats, 'downloader/status/503') - stat(stats, 'retry/count'));
  const ok = stat(stats, 'downloader/status/200');
  assert.equal(await cell('domains', 'success'), `${((ok / attempts) * 100).toFixed(1)}%`);
  // A retried attempt's response never reaches the engine, so its connection is not in the trace.
  const reused = records.filter((r) => r.reused === true).length;
  const opened = records.filter((r) => r.reused === false).length;
  assert.equal(reused + opened + stat(stats, 'retry/count'), stat(stats, 'connections/reused') + stat(stats, 'connections/new'));
  assert.equal(await cell('domains', 'reuse'), `${((reused / (reused + opened)) * 100).toFixed(1)}%`);
  assert.equal((await page.textContent('#card-requests b'))!.trim(), String(attempts));
  const L = Number(await page.textContent('#littles-law td[data-col="L"]'));
  const product = Number(await page.textContent('#littles-law td[data-col="product"]'));
  assert.ok(Math.abs(L - product) <= 0.01 * Math.max(L, 1), `Little's law: L ${L} vs lambda x W ${product}`);

  // Zoom into the first tenth: fewer bars, and the visible range changes.
  const before = await page.textContent('#waterfall-range');
  const box = (await page.locator('#waterfall').boundingBox())!;
  await page.mouse.move(box.x + 160, box.y + 30);
  for (let i = 0; i < 10; i++) await page.mouse.wheel(0, -200);
  await page.waitForFunction(`document.getElementById('waterfall-range')?.textContent !== ${JSON.stringify(before)}`);
  const zoomed = Number(await page.getAttribute('#waterfall', 'data-bars'));
  assert.ok(zoomed < attempts && zoomed >= 1, `zoomed in: ${zoomed} of ${attempts} bars`);
  await page.dblclick('#waterfall');
  assert.equal(Number(await page.getAttribute('#waterfall', 'data-bars')), attempts);
  await page.selectOption('#waterfall-group', 'proxy');
  assert.equal(Number(await page.getAttribute('#waterfall', 'data-bars')), attempts);
  assert.deepEqual(errors, []);

  const screenshot = join(out, 'report.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`report screenshot: ${screenshot}`);
  await page.close();
});

test('a trace with a garbled line renders, says how many lines were skipped, and draws the rest', async () => {
  const tracePath = join(out, 'trace.jsonl');
  const lines = readFileSync(tracePath, 'utf8').trim().split('\n');
  const garbled = [...lines.slice(0, 3), lines[3]!.slice(0, 25), '}{ not json', ...lines.slice(4)];
  const bad = join(out, 'garbled.jsonl');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(bad, `${garbled.join('\n')}\n`);
  const reportPath = join(out, 'garbled.html');
  const summary = await writeReport(bad, reportPath);
  assert.equal(summary.skipped, 2);
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  await page.goto(`file://${reportPath}`);
  assert.match((await page.textContent('#skipped-note'))!, /2 trace lines were skipped/);
  assert.equal(Number(await page.getAttribute('#waterfall', 'data-bars')), lines.length - 3);
  assert.deepEqual(errors, []);
  await page.close();
});
