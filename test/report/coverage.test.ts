/** The report's field coverage table, from the final stats in the trace footer. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { coverageHtml } from '../../src/report/coverage-html.js';
import { renderReport } from '../../src/report/write-report.js';
import { tempDir } from '../helpers/temp-dir.js';

test('field coverage per item type reaches the report, with invalid counts and the threshold failure', async (t) => {
  const dir = tempDir(t, 'coverage-report');
  const header = JSON.stringify({ arachne_trace: 1, startedAt: '2025-01-01T00:00:00.000Z', spider: 's', sampleRate: 1, limits: { global: 4, perDomain: 2 } });
  const stats = { 'item/types/product': 300, 'item/coverage/product/sku': 0.9, 'item/coverage/product/title': 1, 'item/invalid/sku': 30, 'item/coverage/failed': 1 };
  const footer = JSON.stringify({ arachne_trace_end: 1, finishedAt: 'x', reason: 'finished', dropped: 0, stats });
  const path = join(dir, 'trace.jsonl');
  const record = JSON.stringify({ url: 'http://a.test/0', method: 'GET', queued: 0, dispatched: 1, sent: 2, headers: 5, done: 10, slot: 'a.test', ipSlot: null, proxy: null, ip: '127.0.0.1', status: 200, bytes: 100, reused: false, retries: 0, outcome: 'ok', error: null });
  writeFileSync(path, `${header}\n${record}\n${footer}\n`);
  const { html } = await renderReport(path);
  const row = /<tr data-key="product\.sku">.*?<\/tr>/.exec(html)![0];
  assert.match(row, /<td>300<\/td>/);
  assert.match(row, /data-col="coverage">90\.0%</);
  assert.match(row, /data-col="invalid">30</);
  assert.match(html, /id="coverage-failed">1 field\(s\) below/);
  assert.equal(coverageHtml({ 'item/scraped': 3 }), '', 'no table without typed items');
});
