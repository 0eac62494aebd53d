import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GROW_BUSY, GROW_WINDOW_MS, ThreadGrowth } from '../../src/parse/thread-growth.js';

/** A gauge on a clock the test moves. */
function gauge(): { growth: ThreadGrowth; advance(ms: number): number } {
  let now = 10_000;
  return { growth: new ThreadGrowth(() => now), advance: (ms) => (now += ms) };
}

test('no thread is added before a window has passed, however busy the threads', () => {
  const { growth, advance } = gauge();
  const start = advance(0);
  advance(GROW_WINDOW_MS - 1);
  assert.equal(growth.shouldGrow([start]), false);
  advance(1);
  assert.equal(growth.shouldGrow([start]), true, 'busy the whole window');
});

test('a thread busy less than GROW_BUSY of the window is not the bottleneck', () => {
  const { growth, advance } = gauge();
  // Busy for hand-overs that ended, then idle, then busy again until the window ends.
  const first = advance(0);
  advance(0.3 * GROW_WINDOW_MS);
  growth.ended(first, 10);
  advance(0.3 * GROW_WINDOW_MS);
  const second = advance(0);
  advance(0.4 * GROW_WINDOW_MS);
  assert.equal(growth.shouldGrow([second]), false, '70% busy');

  const third = advance(0);
  advance((GROW_BUSY + 0.05) * GROW_WINDOW_MS);
  growth.ended(third, 10);
  const fourth = advance((0.95 - GROW_BUSY) * GROW_WINDOW_MS);
  advance(0.05 * GROW_WINDOW_MS);
  assert.equal(growth.shouldGrow([fourth]), true, '85% busy, in two hand-overs');
});

test('busy time counts only inside the window, across every thread', () => {
  const { growth, advance } = gauge();
  // A hand-over that started long before this window counts from the window's start.
  const early = advance(0);
  advance(GROW_WINDOW_MS);
  assert.equal(growth.shouldGrow([early]), true);
  // Two threads: one busy all along, one idle for the start of the window.
  const window = (idleMs: number): boolean => {
    const late = advance(idleMs);
    advance(GROW_WINDOW_MS - idleMs);
    return growth.shouldGrow([early, late]);
  };
  const idleAtGrowBusy = 2 * (1 - GROW_BUSY) * GROW_WINDOW_MS;
  assert.equal(window(idleAtGrowBusy + 10), false, 'just under GROW_BUSY of two threads\' time');
  // The last growth finished no callback in its window, so any rate pays it off.
  assert.equal(window(idleAtGrowBusy), true, 'exactly GROW_BUSY');
});

test('no more threads once the last one added did not raise the rate of finished callbacks by half a thread', () => {
  const { growth, advance } = gauge();
  // Window 1, one thread: 100 callbacks, busy throughout.
  let since = advance(0);
  advance(GROW_WINDOW_MS);
  growth.ended(since, 100);
  since = advance(0);
  assert.equal(growth.shouldGrow([since]), true, 'the first growth');

  // Window 2, two threads: 140 callbacks, short of 150 (1.5x the one-thread rate).
  const busy = (callbacks: number, threads: number): boolean => {
    const start = advance(0);
    advance(GROW_WINDOW_MS);
    for (let i = 0; i < threads; i++) growth.ended(start, callbacks / threads);
    const now = advance(0);
    return growth.shouldGrow(Array.from({ length: threads }, () => now));
  };
  assert.equal(busy(140, 2), false, 'the second thread added 40%: the cores, not the threads, are the limit');
  assert.equal(busy(149, 2), false, 'still short');
  // Window 4: the rate reached 1.5x (downloads came faster, or the second thread warmed up).
  assert.equal(busy(152, 2), true, 'more than half a thread\'s worth: a third thread');
  // Three threads must beat that two-thread rate by 1 + 0.5 / 2: 190 callbacks.
  assert.equal(busy(185, 3), false, '1.22x');
  assert.equal(busy(195, 3), true, '1.28x');
});

test('each window starts where the last one was judged', () => {
  const { growth, advance } = gauge();
  const since = advance(0);
  advance(3 * GROW_WINDOW_MS);
  assert.equal(growth.shouldGrow([since]), true);
  // The next window starts at that call: half a window later it is too soon.
  advance(GROW_WINDOW_MS / 2);
  assert.equal(growth.shouldGrow([since]), false);
});
