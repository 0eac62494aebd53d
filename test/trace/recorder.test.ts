import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Request } from '../../src/http/request.js';
import type { Response } from '../../src/http/response.js';
import { TraceWriter } from '../../src/trace/writer.js';
import { sampleKey } from '../../src/trace/recorder.js';
import type { TraceRecord } from '../../src/trace/format.js';
import { Spider } from '../../src/spider/spider.js';
import { startSite, type Site } from '../fixtures/site.js';
import { crawl, stat } from '../helpers/crawl.js';
import { readJsonl } from '../helpers/files.js';

let site: Site;
let closedPort: number;
const dir = mkdtempSync(join(tmpdir(), 'arachne-trace-'));

before(async () => {
  site = await startSite({ pages: 30, latencyMs: 5, routes: { '/flaky': (_req, res) => void res.writeHead(503).end() } });
  // A port nothing listens on: bound, read, closed.
  const probe = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => probe.once('listening', r));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise((r) => probe.close(r));
});
after(async () => {
  await site.close();
  rmSync(dir, { recursive: true, force: true });
});

class TraceSpider extends Spider {
  static override name = 'trace-spider';
  override async *start() {
    yield this.request(`${site.url}/page/0`);
    yield this.request(`${site.url}/flaky`);
    yield this.request(`http://127.0.0.1:${closedPort}/refused`);
  }
  async *parse(response: Response) {
    yield* response.followAll('a');
  }
}

function readLines(path: string): { header: Record<string, unknown>; records: TraceRecord[]; footer: Record<string, unknown> } {
  const lines = readJsonl(path);
  return { header: lines[0]!, records: lines.slice(1, -1) as unknown as TraceRecord[], footer: lines.at(-1)! };
}

test('one line per download attempt: times in order, slots, connection, retries and outcome', async () => {
  const path = join(dir, 'full.jsonl');
  const { stats } = await crawl(TraceSpider, { 'trace.file': path, 'concurrency.perDomain': 3, 'retry.times': 1, 'retry.backoffBaseMs': 0, 'download.connectTimeoutMs': 2000 });
  const { header, records, footer } = readLines(path);
  assert.equal(header.arachne_trace, 1);
  assert.equal(header.spider, 'trace-spider');
  assert.deepEqual((header.limits as Record<string, number>).perDomain, 3);
  assert.equal(records.length, stat(stats, 'downloader/requests'));
  const pages = records.filter((r) => r.url.includes('/page/'));
  assert.equal(pages.length, 30);
  for (const r of pages) {
    assert.equal(r.outcome, 'ok');
    assert.equal(r.status, 200);
    assert.equal(r.slot, '127.0.0.1');
    assert.equal(r.ip, '127.0.0.1');
    assert.ok(r.queued !== null && r.queued <= r.dispatched, `queued ${r.queued} <= dispatched ${r.dispatched}`);
    assert.ok(r.sent! >= r.dispatched && r.headers! >= r.sent! && r.done >= r.headers!, JSON.stringify(r));
    assert.ok(r.bytes! > 0);
  }
  // Every response's connection is known, except a retried attempt's (its response stays in the retry middleware).
  const known = records.filter((r) => r.reused !== null).length;
  const retried = records.filter((r) => r.outcome === 'retry' && !r.url.endsWith('/refused')).length;
  assert.equal(known + retried, stat(stats, 'connections/reused') + stat(stats, 'connections/new'));
  const flaky = records.filter((r) => r.url.endsWith('/flaky'));
  assert.deepEqual(flaky.map((r) => [r.outcome, r.retries, r.status]), [['retry', 0, null], ['http', 1, 503]]);
  assert.ok(flaky[1]!.queued! >= flaky[0]!.done, 'a retry is queued when its first attempt ends');
  const refused = records.filter((r) => r.url.endsWith('/refused'));
  assert.equal(refused.at(-1)!.outcome, 'failed');
  assert.equal(refused.at(-1)!.error, 'ERR_CONNECTION_REFUSED');
  assert.equal(footer.arachne_trace_end, 1);
  assert.equal(footer.reason, 'finished');
  assert.equal((footer.stats as Record<string, number>)['trace/records'], records.length);
});

test('sampling is chosen by fingerprint: a re-run traces the same requests', async () => {
  const urls = async (name: string): Promise<string[]> => {
    const path = join(dir, name);
    await crawl(TraceSpider, { 'trace.file': path, 'trace.sampleRate': 0.5, 'retry.enabled': false });
    return readLines(path).records.map((r) => r.url).sort();
  };
  const first = await urls('a.jsonl');
  const second = await urls('b.jsonl');
  assert.deepEqual(first, second);
  assert.ok(first.length > 5 && first.length < 28, `about half of 32 requests: ${first.length}`);
  for (const url of first) assert.ok(sampleKey(new Request({ url })) < 0.5);
});

test('tracing off: the engine has no requestDone listener and no file is written', async () => {
  const { crawler } = await crawl(TraceSpider, { 'retry.enabled': false });
  assert.equal(crawler.events.has('requestDone'), false);
  assert.equal(crawler.stats.get('trace/records'), undefined);
});

test('an unwritable trace path is ERR_TRACE_FILE before the crawl starts', async () => {
  await assert.rejects(crawl(TraceSpider, { 'trace.file': join(dir, 'no', 'such', 'dir', 't.jsonl') }), { code: 'ERR_TRACE_FILE' });
});

test('the line writer drops and counts lines once its buffer is full, and writes the rest', async () => {
  const path = join(dir, 'bounded.jsonl');
  const writer = await TraceWriter.open(path, { maxBufferChars: 100, flushChars: 1_000_000, flushIntervalMs: 0 });
  let accepted = 0;
  for (let i = 0; i < 50; i++) if (writer.write(`line-${String(i).padStart(3, '0')}`)) accepted++;
  assert.equal(accepted, 11, 'lines of 8 chars + newline: 11 fit in 100 chars');
  assert.equal(writer.dropped, 39);
  await writer.close('last');
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  assert.equal(lines.length, 12);
  assert.equal(lines[0], 'line-000');
  assert.equal(lines.at(-1), 'last');
});
