import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readTrace } from '../../src/trace/reader.js';
import { renderReport } from '../../src/report/write-report.js';

const dir = mkdtempSync(join(tmpdir(), 'arachne-read-trace-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const HEADER = JSON.stringify({ arachne_trace: 1, startedAt: '2025-01-01T00:00:00.000Z', spider: 's', sampleRate: 1, limits: { global: 4, perDomain: 2 } });
const record = (i: number, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ url: `http://a.test/${i}`, method: 'GET', queued: i, dispatched: i + 1, sent: i + 2, headers: i + 5, done: i + 10, slot: 'a.test', ipSlot: null, proxy: null, ip: '127.0.0.1', status: 200, bytes: 100, reused: i > 0, retries: 0, outcome: 'ok', error: null, ...extra });

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

test('a truncated or garbled line is skipped and counted; the rest is read', async () => {
  const path = file('garbled.jsonl', [HEADER, record(0), record(1).slice(0, 30), '{"url": 5}', record(2), record(3).slice(0, 40)].join('\n'));
  const trace = await readTrace(path);
  assert.equal(trace.records.length, 2);
  assert.equal(trace.skipped, 3);
  assert.deepEqual(trace.skippedLines, [3, 4, 6]);
  const { html, summary } = await renderReport(path);
  assert.equal(summary.skipped, 3);
  assert.match(html, /3 trace lines were skipped/);
  assert.match(html, /no footer/);
});

test('an empty trace, and a header-only trace, give a report that says so', async () => {
  const empty = await renderReport(file('empty.jsonl', ''));
  assert.equal(empty.summary.requests, 0);
  assert.match(empty.html, /This trace holds no requests: the file is empty/);
  const headerOnly = await renderReport(file('header.jsonl', `${HEADER}\n`));
  assert.match(headerOnly.html, /This trace holds no requests: the crawl recorded no download attempts/);
  assert.match(headerOnly.html, /data-bars="0"/);
});

test('a trace of another version is ERR_TRACE_VERSION; something else is ERR_TRACE_FORMAT', async () => {
  const v2 = file('v2.jsonl', `${JSON.stringify({ arachne_trace: 2, spider: 's' })}\n${record(0)}\n`);
  await assert.rejects(readTrace(v2), (error: Error & { code?: string; hint?: string }) => {
    assert.equal(error.code, 'ERR_TRACE_VERSION');
    assert.match(error.message, /version 2 trace; this Arachne reads version 1/);
    assert.match(error.hint!, /trace the crawl again/);
    return true;
  });
  await assert.rejects(readTrace(file('items.jsonl', '{"title":"x"}\n')), { code: 'ERR_TRACE_FORMAT' });
  await assert.rejects(readTrace(join(dir, 'absent.jsonl')), { code: 'ERR_TRACE_FILE' });
});

test('the footer is read: proxy state changes reach the per-proxy table', async () => {
  const footer = JSON.stringify({ arachne_trace_end: 1, finishedAt: 'x', reason: 'finished', dropped: 0, stats: { 'proxy/p1:8080/state_changes': 3, 'proxy/p1:8080/state': 'cooling' } });
  const path = file('proxied.jsonl', [HEADER, record(0, { proxy: 'p1:8080' }), record(1, { proxy: 'p1:8080', outcome: 'http', status: 503 }), footer].join('\n'));
  const { html } = await renderReport(path);
  const row = /<tr data-key="p1:8080">.*?<\/tr>/.exec(html)![0];
  assert.match(row, /data-col="requests">2</);
  assert.match(row, /data-col="success">50\.0%</);
  assert.match(row, /data-col="stateChanges">3</);
  assert.match(row, /cooling/);
  assert.doesNotMatch(html, /no footer/);
  assert.ok(readFileSync(path, 'utf8').length > 0);
});
