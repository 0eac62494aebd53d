import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runCli } from '../helpers/project.js';
import { startToolbox, type Toolbox } from './toolbox-fixture.js';

let box: Toolbox;

before(async () => {
  box = await startToolbox();
});

after(() => box.close());

test('fetch prints the body of a page', async () => {
  const result = await runCli(['fetch', `${box.site.url}/page/2`], box.project.dir);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^<!doctype html>.*<h1>Page 2<\/h1>/);
  assert.doesNotMatch(result.stdout, /^HTTP/);
});

test("fetch goes through the project's settings and middlewares", async () => {
  const result = await runCli(['fetch', `${box.site.url}/echo`], box.project.dir);
  assert.equal(result.code, 0, result.stderr);
  const echo = JSON.parse(result.stdout) as { headers: Record<string, string> };
  assert.equal(echo.headers['user-agent'], 'toolbox-test/1.0', 'userAgent from crawl.config.ts');
  const overridden = await runCli(['fetch', `${box.site.url}/echo`, '-s', 'userAgent=cli/2'], box.project.dir);
  assert.equal((JSON.parse(overridden.stdout) as { headers: Record<string, string> }).headers['user-agent'], 'cli/2', '-s wins');
  const outside = await runCli(['fetch', `${box.site.url}/echo`], '/');
  assert.equal(outside.code, 0, outside.stderr);
  assert.match((JSON.parse(outside.stdout) as { headers: Record<string, string> }).headers['user-agent']!, /^Arachne\//, 'defaults outside a project');
});

test('fetch --headers prints the status line and headers before the body', async () => {
  const result = await runCli(['fetch', '--headers', `${box.site.url}/page/1`], box.project.dir);
  assert.equal(result.code, 0, result.stderr);
  const [head, body] = result.stdout.split('\n\n');
  assert.match(head!, new RegExp(`^HTTP 200 ${box.site.url}/page/1\n`));
  assert.match(head!, /\ncontent-type: text\/html; charset=utf-8/);
  assert.match(body!, /<h1>Page 1<\/h1>/);
});

test('fetch follows redirects; --no-redirect prints the 3xx itself', async () => {
  const followed = await runCli(['fetch', '--headers', `${box.site.url}/redirect?to=/page/3`], box.project.dir);
  assert.equal(followed.code, 0, followed.stderr);
  assert.match(followed.stdout, new RegExp(`^HTTP 200 ${box.site.url}/page/3\n`));
  const raw = await runCli(['fetch', '--headers', '--no-redirect', `${box.site.url}/redirect?to=/page/3`], box.project.dir);
  assert.equal(raw.code, 0, raw.stderr);
  assert.match(raw.stdout, /^HTTP 302 /);
  assert.match(raw.stdout, /\nlocation: \/page\/3\n/);
});

test('fetch of a bad URL is a coded error; --help works', async () => {
  const bad = await runCli(['fetch', 'not a url'], box.project.dir);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^error ERR_INVALID_URL: "not a url" is not an absolute URL\n {2}fix: /);
  const help = await runCli(['fetch', '--help'], box.project.dir);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: crawl fetch \[options\] <url>/);
  assert.match(help.stdout, /--no-redirect/);
});

test('fetch of a host that refuses connections says so (not that robots.txt disallows it)', async () => {
  const result = await runCli(['fetch', 'http://127.0.0.1:1/', '-s', 'robots.obey=true', '-s', 'retry.enabled=false'], box.project.dir);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /ERR_CONNECTION_REFUSED/);
  assert.doesNotMatch(result.stderr, /ERR_ROBOTS_DISALLOWED/);
});
