import { test } from 'node:test';
import assert from 'node:assert/strict';
import { feedTimestamp, inferFeedFormat, parseFeedArg, resolveFeedPath } from '../../src/items/feeds/feed-uri.js';
import { thrownCode } from '../helpers/assert-code.js';

test('parseFeedArg infers the format from the extension', () => {
  assert.deepEqual(parseFeedArg('out/items.jsonl', false), ['out/items.jsonl', { format: 'jsonl', overwrite: false }]);
  assert.deepEqual(parseFeedArg('items.jl', true), ['items.jl', { format: 'jsonl', overwrite: true }]);
  assert.deepEqual(parseFeedArg('items.ndjson', false)[1].format, 'jsonl');
  assert.deepEqual(parseFeedArg('items.JSON', false)[1].format, 'json');
  assert.deepEqual(parseFeedArg('items.csv', false)[1].format, 'csv');
});

test('parseFeedArg takes a known format after the last colon only', () => {
  assert.deepEqual(parseFeedArg('./out:csv', false), ['./out', { format: 'csv', overwrite: false }]);
  assert.deepEqual(parseFeedArg('data.txt:json', true), ['data.txt', { format: 'json', overwrite: true }]);
  assert.deepEqual(parseFeedArg('C:\\out\\items.json', false), ['C:\\out\\items.json', { format: 'json', overwrite: false }]);
  assert.deepEqual(parseFeedArg('C:\\out\\items:csv', false), ['C:\\out\\items', { format: 'csv', overwrite: false }]);
  assert.deepEqual(parseFeedArg('a:b.jsonl', false), ['a:b.jsonl', { format: 'jsonl', overwrite: false }]);
});

test('parseFeedArg supports stdout', () => {
  assert.deepEqual(parseFeedArg('-', false), ['-', { format: 'jsonl', overwrite: false }]);
  assert.deepEqual(parseFeedArg('-:csv', false), ['-', { format: 'csv', overwrite: false }]);
});

test('parseFeedArg errors', () => {
  assert.equal(thrownCode(() => parseFeedArg('items.txt', false)), 'ERR_FEED_FORMAT');
  assert.equal(thrownCode(() => parseFeedArg('items', false)), 'ERR_FEED_FORMAT');
  assert.equal(thrownCode(() => parseFeedArg('out:xml', false)), 'ERR_FEED_FORMAT');
  assert.equal(thrownCode(() => parseFeedArg('{nom}.json', false)), 'ERR_FEED_PLACEHOLDER');
  assert.equal(thrownCode(() => parseFeedArg(':csv', false)), 'ERR_FEED_PATH');
  try {
    parseFeedArg('items.txt', false);
  } catch (error) {
    const { message, hint } = error as { message: string; hint: string };
    assert.match(message, /items\.txt/);
    assert.match(hint, /jsonl, json, csv/);
  }
});

test('inferFeedFormat', () => {
  assert.equal(inferFeedFormat('a/b.csv'), 'csv');
  assert.equal(inferFeedFormat('a/b'), undefined);
});

test('resolveFeedPath fills {name} and {time}', () => {
  const time = new Date('2026-11-24T08:00:00.123Z');
  assert.equal(feedTimestamp(time), '2026-11-24T08-00-00');
  assert.equal(resolveFeedPath('out/{name}-{time}.jsonl', { name: 'books', time }), 'out/books-2026-11-24T08-00-00.jsonl');
  assert.equal(resolveFeedPath('{name}/{name}.csv', { name: 'a/b', time }), 'a_b/a_b.csv');
  assert.equal(resolveFeedPath('-', { name: 'x', time }), '-');
  assert.equal(thrownCode(() => resolveFeedPath('out/{date}.json', { name: 'x', time })), 'ERR_FEED_PLACEHOLDER');
});

test('resolveFeedPath fills {process}: the given process id (made safe for file names), else the pid', () => {
  const time = new Date('2026-11-24T08:00:00Z');
  assert.equal(resolveFeedPath('items-{process}.jsonl', { name: 'x', time, process: 'host-1-ab12' }), 'items-host-1-ab12.jsonl');
  assert.equal(resolveFeedPath('{name}/{process}.csv', { name: 'books', time, process: 'a/b:c' }), 'books/a_b_c.csv');
  assert.equal(resolveFeedPath('items-{process}.jsonl', { name: 'x', time }), `items-${process.pid}.jsonl`);
});

test('parseFeedArg accepts {process} and the redis-stream format', () => {
  assert.deepEqual(parseFeedArg('out/items-{process}.jsonl', false), ['out/items-{process}.jsonl', { format: 'jsonl', overwrite: false }]);
  assert.deepEqual(parseFeedArg('{name}:items:redis-stream', false), ['{name}:items', { format: 'redis-stream', overwrite: false }]);
  assert.deepEqual(parseFeedArg('items:REDIS-STREAM', true), ['items', { format: 'redis-stream', overwrite: true }]);
});
