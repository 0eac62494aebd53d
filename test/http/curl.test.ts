import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shellSplit } from '../../src/http/curl.js';
import { Request } from '../../src/http/request.js';

test('fromCurl: a Chrome "Copy as cURL" command with quoting, headers, cookies and a body', () => {
  const request = Request.fromCurl(`curl 'https://example.com/api?q=1' \\
  -H 'accept: application/json' \\
  -H "X-Quote: it's \\"fine\\"" \\
  -b 'session=abc; theme=dark' \\
  -A 'Bot/1.0' \\
  --data-raw $'{"a":"line\\nbreak"}' \\
  --compressed`);
  assert.equal(request.url, 'https://example.com/api?q=1');
  assert.equal(request.method, 'POST');
  assert.equal(request.headers.accept, 'application/json');
  assert.equal(request.headers['x-quote'], 'it\'s "fine"');
  assert.equal(request.headers.cookie, 'session=abc; theme=dark');
  assert.equal(request.headers['user-agent'], 'Bot/1.0');
  assert.equal(request.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.equal(request.body, '{"a":"line\nbreak"}');
});

test('fromCurl: -X, -u, several -d joined with &, -G moves data to the query, --name=value form', () => {
  const put = Request.fromCurl("curl -X PUT -u ann:pw -d a=1 --data=b=2 -H 'Content-Type: text/plain' http://h.test/x");
  assert.equal(put.method, 'PUT');
  assert.equal(put.body, 'a=1&b=2');
  assert.equal(put.headers['content-type'], 'text/plain');
  assert.equal(put.headers.authorization, `Basic ${Buffer.from('ann:pw').toString('base64')}`);
  const get = Request.fromCurl('curl -G -d q=x%20y -d page=2 http://h.test/search');
  assert.equal(get.method, 'GET');
  assert.equal(get.url, 'http://h.test/search?q=x%20y&page=2');
  assert.equal(get.body, null);
  assert.equal(Request.fromCurl('curl example.com').url, 'http://example.com/');
});

test('fromCurl: unknown options are a coded error listing them all, or skipped on request', () => {
  assert.throws(
    () => Request.fromCurl('curl --proxy http://p:1 -F a=b https://example.com/'),
    (error: Error & { code?: string; hint?: string }) => {
      assert.equal(error.code, 'ERR_CURL_UNKNOWN_OPTION');
      assert.match(error.message, /--proxy/);
      assert.match(error.message, /-F/);
      assert.match(error.hint ?? '', /ignoreUnknownOptions/);
      return true;
    },
  );
  const skipped = Request.fromCurl('curl --proxy-insecure --tlsv1.2 https://example.com/', { ignoreUnknownOptions: true });
  assert.equal(skipped.url, 'https://example.com/');
});

test('fromCurl: bad commands fail with coded errors', () => {
  for (const [command, code] of [
    ['wget https://example.com', 'ERR_CURL'],
    ["curl 'https://example.com", 'ERR_CURL'],
    ['curl -H', 'ERR_CURL'],
    ['curl -d @body.json https://example.com', 'ERR_CURL'],
    ['curl -H nocolon https://example.com', 'ERR_CURL'],
    ['curl -X GET', 'ERR_CURL'],
    ['curl ftp://example.com/file', 'ERR_UNSUPPORTED_SCHEME'],
  ] as const) {
    assert.throws(() => Request.fromCurl(command), { code }, command);
  }
});

test('toCurl round-trips through fromCurl', () => {
  const original = new Request({
    url: "https://example.com/a?b=c&d='e'",
    method: 'PATCH',
    headers: { 'content-type': 'application/json', 'x-it': "it's" },
    body: '{"k": "v w"}',
  });
  const command = original.toCurl();
  assert.match(command, /^curl 'https:\/\/example\.com\/a\?b=c&d=/);
  const back = Request.fromCurl(command);
  assert.equal(back.url, original.url);
  assert.equal(back.method, 'PATCH');
  assert.deepEqual(back.headers, original.headers);
  assert.equal(back.body, original.body);
  assert.equal(new Request('https://example.com/').toCurl(), 'curl https://example.com/');
});

test('shellSplit follows POSIX quoting', () => {
  assert.deepEqual(shellSplit(`a 'b c' "d \\"e\\" \\$f" g\\ h $'\\x41\\t' ''`), ['a', 'b c', 'd "e" $f', 'g h', 'A\t', '']);
});
