/**
 * The Redis fixture (test/fixtures/redis-server.ts) the cluster tests stand on: a real
 * redis-server on loopback only, whose data survives a restart and a SIGKILL (AOF, fsync always).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { findRedisServer, redisCommand, startRedis, type RedisServer } from '../fixtures/redis-server.js';

let redis: RedisServer;

before(async () => {
  redis = await startRedis();
});

after(() => redis.close());

test('starts on loopback only, with AOF and fsync always, and answers raw RESP commands', async () => {
  assert.equal(redis.url, `redis://127.0.0.1:${redis.port}/0`);
  assert.ok(existsSync(redis.dir));
  assert.equal(await redisCommand(redis.port, ['PING']), '+PONG\r\n');
  assert.equal(await redisCommand(redis.port, ['CONFIG', 'GET', 'bind']), '*2\r\n$4\r\nbind\r\n$9\r\n127.0.0.1\r\n');
  assert.equal(await redisCommand(redis.port, ['CONFIG', 'GET', 'appendonly']), '*2\r\n$10\r\nappendonly\r\n$3\r\nyes\r\n');
  assert.equal(await redisCommand(redis.port, ['CONFIG', 'GET', 'appendfsync']), '*2\r\n$11\r\nappendfsync\r\n$6\r\nalways\r\n');
  assert.equal(await redisCommand(redis.port, ['CONFIG', 'GET', 'save']), '*2\r\n$4\r\nsave\r\n$0\r\n\r\n');
  assert.equal(await redisCommand(redis.port, ['GET', 'missing']), '$-1\r\n');
  assert.equal(await redisCommand(redis.port, ['INCRBY', 'counter', '5']), ':5\r\n');
  assert.match(await redisCommand(redis.port, ['NOSUCHCOMMAND']), /^-ERR unknown command/);
  // Binary-safe: the value with CR LF and non-ASCII text comes back byte for byte.
  assert.equal(await redisCommand(redis.port, ['SET', 'odd', 'a\r\nb é']), '+OK\r\n');
  assert.equal(await redisCommand(redis.port, ['GET', 'odd']), `$${Buffer.byteLength('a\r\nb é')}\r\na\r\nb é\r\n`);
});

test('restart (SIGTERM, same port and folder) keeps the data', async () => {
  assert.equal(await redisCommand(redis.port, ['SET', 'survivor', 'yes']), '+OK\r\n');
  const pid = redis.pid;
  await redis.restart();
  assert.notEqual(redis.pid, pid, 'a new process');
  assert.equal(await redisCommand(redis.port, ['GET', 'survivor']), '$3\r\nyes\r\n');
});

test('kill (SIGKILL) then restart loses no acknowledged write', async () => {
  for (let i = 0; i < 50; i++) assert.equal(await redisCommand(redis.port, ['RPUSH', 'list', String(i)]), `:${i + 1}\r\n`);
  await redis.kill();
  assert.equal(redis.pid, undefined);
  await assert.rejects(redisCommand(redis.port, ['PING'], 1000));
  await redis.restart();
  assert.equal(await redisCommand(redis.port, ['LLEN', 'list']), ':50\r\n');
  assert.equal(await redisCommand(redis.port, ['GET', 'survivor']), '$3\r\nyes\r\n');
});

test('two servers at once get distinct ports and folders; close() removes the folder', async () => {
  const other = await startRedis();
  try {
    assert.notEqual(other.port, redis.port);
    assert.notEqual(other.dir, redis.dir);
    assert.equal(await redisCommand(other.port, ['GET', 'survivor']), '$-1\r\n');
  } finally {
    await other.close();
  }
  assert.equal(existsSync(other.dir), false);
  await assert.rejects(redisCommand(other.port, ['PING'], 1000));
});

test('a missing redis-server is a clear error naming the package', () => {
  const path = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    assert.throws(() => findRedisServer(), /apt-get install redis-server/);
  } finally {
    process.env.PATH = path;
  }
  assert.match(findRedisServer(), /redis-server$/);
});
