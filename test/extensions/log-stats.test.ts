/** The periodic stats line (log.statsIntervalMs) on a manual clock: when it is logged and the rates it gives. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogStats } from '../../src/extensions/log-stats.js';
import { Stats } from '../../src/stats.js';
import { manualClock } from '../helpers/clock.js';
import { recordingLogger } from '../helpers/log.js';

test('one line per interval with totals and per-minute rates over the last interval', () => {
  const stats = new Stats();
  const { logger, lines } = recordingLogger('info');
  const clock = manualClock();
  const log = new LogStats(stats, logger, 30_000, clock);
  log.start();
  stats.inc('response/received', 10);
  stats.inc('item/scraped', 4);
  clock.advance(29_999);
  assert.deepEqual(lines, []);
  clock.advance(1);
  assert.deepEqual(lines, ['info: crawled 10 pages (at 20 pages/min), scraped 4 items (at 8 items/min)']);
  stats.inc('response/received', 5);
  clock.advance(30_000);
  assert.equal(lines[1], 'info: crawled 15 pages (at 10 pages/min), scraped 4 items (at 0 items/min)');
  clock.advance(90_000);
  assert.equal(lines.length, 5, 'the timer re-arms itself each interval');
  log.stop();
  assert.equal(clock.pending(), 0);
  clock.advance(60_000);
  assert.equal(lines.length, 5, 'nothing after stop()');
});

test('log.statsIntervalMs=0 logs nothing and arms no timer', () => {
  const { logger, lines } = recordingLogger('info');
  const clock = manualClock();
  new LogStats(new Stats(), logger, 0, clock).start();
  assert.equal(clock.pending(), 0);
  clock.advance(3_600_000);
  assert.deepEqual(lines, []);
});
