import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Stats } from '../../src/stats.js';
import { CLEAR_LINE, ProgressLine, formatDuration } from '../../src/extensions/progress.js';
import { LogOutput } from '../../src/cli/log-output.js';
import { mergeSettings } from '../../src/settings/config.js';
import type { SettingValues } from '../../src/settings/defaults.js';
import { manualClock } from '../helpers/clock.js';

/** A terminal as the progress line sees it: isTTY, columns, and what was written. */
function fakeTty(columns = 100): { isTTY: true; columns: number; writes: string[]; write(chunk: string): boolean; screen(): string } {
  const writes: string[] = [];
  return {
    isTTY: true,
    columns,
    writes,
    write(chunk: string) {
      writes.push(chunk);
      return true;
    },
    /** What the current line shows: the text after the last line clear. */
    screen() {
      const all = writes.join('');
      return all.slice(all.lastIndexOf(CLEAR_LINE) + CLEAR_LINE.length);
    },
  };
}

function setup(settings: Partial<SettingValues> = {}, columns = 100) {
  const clock = manualClock(1_000_000);
  const stream = fakeTty(columns);
  const stats = new Stats();
  const counts = { inFlight: 3, queued: 42 };
  const progress = new ProgressLine({ stream, stats, settings: mergeSettings(settings), clock, counts: () => counts, intervalMs: 250 });
  return { clock, stream, stats, counts, progress };
}

test('the status line shows pages, items, rates, in flight/limit, queued, errors, reuse and elapsed', () => {
  const { clock, stream, stats, progress } = setup({ 'concurrency.global': 16 });
  progress.start();
  stats.inc('response/received', 120);
  stats.inc('item/scraped', 60);
  stats.inc('request/failed', 2);
  stats.inc('spider/exceptions', 1);
  stats.inc('connections/reused', 90);
  stats.inc('connections/new', 10);
  clock.advance(60_000);
  assert.equal(stream.screen(), 'pages 120 (120/min) | items 60 (60/min) | in flight 3/16 | queued 42 | errors 3 | reuse 90% | 1:00');
  assert.ok(stream.writes.every((w) => w.startsWith(CLEAR_LINE)), 'each redraw starts by clearing the line');
  assert.ok(stream.writes.every((w) => !w.includes('\n')), 'redrawn in place, never a new line');
  assert.ok(stream.writes.length >= 240, 'redrawn every 250 ms');
});

test('an ETA appears when closeSpider.pageCount or itemCount is set', () => {
  const { clock, stream, stats, progress } = setup({ 'closeSpider.pageCount': 300, 'closeSpider.itemCount': 1000 });
  progress.start();
  assert.match(stream.screen(), /\| ETA \?$/, 'no rate yet');
  stats.inc('response/received', 100);
  stats.inc('item/scraped', 100);
  clock.advance(30_000);
  // Pages: 200 left at 100 per 30 s = 60 s; items: 900 left = 270 s. The first to close wins.
  assert.match(stream.screen(), /\| 0:30 \| ETA 1:00$/);
});

test('the line is cut to the terminal width and cleared at the end', () => {
  const { stream, stats, progress } = setup({}, 40);
  stats.inc('response/received', 123_456);
  progress.start();
  assert.equal(stream.screen().length, 39, 'one column spare so the terminal never wraps');
  assert.ok(stream.screen().endsWith('…'));
  progress.stop();
  assert.equal(stream.writes.at(-1), CLEAR_LINE);
  assert.equal(stream.screen(), '');
  assert.equal(progress.shown, false);
});

test('log lines clear the progress line first and redraw it after', () => {
  const { stream, progress } = setup();
  const output = new LogOutput(stream);
  output.progress = progress;
  progress.start();
  stream.writes.length = 0;
  output.sink('warn', 'arachne', 'slow site');
  assert.equal(stream.writes[0], CLEAR_LINE, 'cleared');
  assert.match(stream.writes[1]!, /^\S+Z \[arachne\] WARN: slow site\n$/, 'the log line on its own line');
  assert.ok(stream.writes[2]!.startsWith(`${CLEAR_LINE}pages 0`), 'then the status line again');
  progress.stop();
});

test('without a TTY the progress line is not used', () => {
  assert.equal(ProgressLine.supported({ isTTY: false, write: () => true }), false);
  assert.equal(ProgressLine.supported({ write: () => true }), false);
  assert.equal(ProgressLine.supported(fakeTty()), true);
});

test('formatDuration', () => {
  assert.equal(formatDuration(0), '0:00');
  assert.equal(formatDuration(75), '1:15');
  assert.equal(formatDuration(3725), '1:02:05');
});
