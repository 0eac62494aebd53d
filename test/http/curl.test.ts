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
    () => Request.fromCurl('curl --bar --baz -Q x https://example.com/'),
    (error: Error & { code?: string; hint?: string }) => {
      assert.equal(error.code, 'ERR_CURL_UNKNOWN_OPTION');
      assert.match(error.message, /--bar/);
      assert.match(error.message, /--baz/);
      assert.match(error.message, /-Q/);
      assert.match(error.hint ?? '', /ignoreUnknownOptions/);
      return true;
    },
  );
  const skipped = Request.fromCurl('curl --proxy-insecure --tlsv1.2 https://example.com/', { ignoreUnknownOptions: true });
  assert.equal(skipped.url, 'https://example.com/');
});

test('fromCurl: options curl knows that a request cannot express are refused, naming the flag', () => {
  for (const [command, flag] of [
    ['curl -F a=b https://example.com/', '-F'],
    ['curl --form a=@f.txt https://example.com/', '--form'],
    ['curl -T file.bin https://example.com/', '-T'],
    ['curl --digest -u a:b https://example.com/', '--digest'],
    ['curl --json @body.json https://example.com/', '--json'],
    ['curl --data-urlencode name@file.txt https://example.com/', '--data-urlencode'],
    ['curl -H @headers.txt https://example.com/', '-H'],
    ['curl -x socks5://127.0.0.1:1080 https://example.com/', '-x'],
    ['curl -sF a=b https://example.com/', '-F'],
  ] as const) {
    assert.throws(
      () => Request.fromCurl(command, { ignoreUnknownOptions: true }),
      (error: Error & { code?: string; hint?: string }) =>
        error.code === 'ERR_CURL_UNSUPPORTED_OPTION' && error.message.includes(flag) && (error.hint ?? '').includes(flag),
      command,
    );
  }
});

test('fromCurl: bundled short flags, -XPOST, -sd value, and -- before the URL, as curl reads them', () => {
  const bundled = Request.fromCurl('curl -sSL https://example.com/a');
  assert.equal(bundled.url, 'https://example.com/a');
  assert.equal(bundled.method, 'GET');
  const glued = Request.fromCurl('curl -sSLXPUT -H "x-a: 1" https://example.com/b');
  assert.equal(glued.method, 'PUT');
  const data = Request.fromCurl('curl -sd a=1 -kLd b=2 https://example.com/c');
  assert.equal(data.method, 'POST');
  assert.equal(data.body, 'a=1&b=2');
  assert.equal(Request.fromCurl('curl -sI https://example.com/d').method, 'HEAD');
  assert.equal(Request.fromCurl('curl -s -- https://example.com/-e').url, 'https://example.com/-e');
  assert.throws(() => Request.fromCurl('curl -sX'), { code: 'ERR_CURL' });
});

test('fromCurl: -b and -H Cookie together keep every cookie (Scrapy test_get_complex / test_post)', () => {
  const request = Request.fromCurl(
    "curl 'http://httpbin.org/get' -H 'Accept-Encoding: gzip, deflate' -H 'Cookie: _gauges_unique_year=1; _gauges_unique=1' " +
      "-b '_gauges_unique_day=1' -H 'Connection: keep-alive' --compressed -b 'a=1; b=2;' -H 'Cookie: c=3'",
  );
  assert.equal(request.headers.cookie, '_gauges_unique_year=1; _gauges_unique=1; _gauges_unique_day=1; a=1; b=2; c=3');
  assert.equal(request.headers['accept-encoding'], 'gzip, deflate');
  assert.equal(request.headers.connection, 'keep-alive');
  assert.equal(request.method, 'GET');
});

test('fromCurl: --json sets the body, POST, Content-Type and Accept; -H overrides them; pieces concatenate', () => {
  const json = Request.fromCurl(`curl --json '{"drink":' --json ' "coffee"}' https://example.com/api`);
  assert.equal(json.method, 'POST');
  assert.equal(json.body, '{"drink": "coffee"}');
  assert.equal(json.headers['content-type'], 'application/json');
  assert.equal(json.headers.accept, 'application/json');
  const overridden = Request.fromCurl(`curl -H 'Accept: text/plain' --json '{}' -X PUT https://example.com/api`);
  assert.equal(overridden.headers.accept, 'text/plain');
  assert.equal(overridden.method, 'PUT');
  assert.equal(overridden.headers['content-type'], 'application/json');
});

test('fromCurl: headers curl sets are overridden or removed by -H; repeated -H of one name are joined', () => {
  const request = Request.fromCurl(`curl -H 'User-Agent: Mine' -A Other -H 'X-A: 1' -H 'X-A: 2' -H 'X-Empty;' -d a=1 -H 'Content-Type:' https://example.com/`);
  assert.equal(request.headers['user-agent'], 'Mine');
  assert.equal(request.headers['x-a'], '1, 2');
  assert.equal(request.headers['x-empty'], '');
  assert.equal(request.headers['content-type'], undefined, '-H "Name:" removes the header curl would set');
  assert.equal(request.body, 'a=1');
});

test('fromCurl: Scrapy test_utils_curl cases', () => {
  assert.deepEqual(pick(Request.fromCurl('curl http://example.org/')), { method: 'GET', url: 'http://example.org/', body: null });
  assert.equal(Request.fromCurl('curl www.example.org').url, 'http://www.example.org/');
  assert.equal(Request.fromCurl('curl "https://api.test.com/" -u "some_username:some_password"').headers.authorization, `Basic ${Buffer.from('some_username:some_password').toString('base64')}`);
  assert.equal(Request.fromCurl('curl "http://example.org/" -b "a=1; b=2"').headers.cookie, 'a=1; b=2');
  const raw = Request.fromCurl("curl 'https://www.example.org/' --data-raw 'excerptLength=200&enableDidYouMean=true&sortCriteria=ffirstz32xnamez32x201740686%20ascending'");
  assert.deepEqual(pick(raw), { method: 'POST', url: 'https://www.example.org/', body: 'excerptLength=200&enableDidYouMean=true&sortCriteria=ffirstz32xnamez32x201740686%20ascending' });
  assert.equal(Request.fromCurl(`curl 'https://www.example.org/' --data-raw $'{"$filters":"Filter\u0021"}'`).body, '{"$filters":"Filter!"}');
  assert.equal(Request.fromCurl("curl 'https://www.example.org/' -d 'a=1' -d 'b=2' -d 'c=3'").body, 'a=1&b=2&c=3');
  assert.equal(Request.fromCurl("curl 'https://www.example.org/' --data 'a=1' --data-raw 'b=2' -d 'c=3'").body, 'a=1&b=2&c=3');
  assert.equal(Request.fromCurl("curl 'https://www.example.org/' -d $'a=1' -d $'b=2'").body, 'a=1&b=2');
  assert.deepEqual(pick(Request.fromCurl('curl httpbin.org/anything -X GET --data asdf')), { method: 'GET', url: 'http://httpbin.org/anything', body: 'asdf' });
  assert.deepEqual(pick(Request.fromCurl('curl -X "DELETE" https://www.url.com/page')), { method: 'DELETE', url: 'https://www.url.com/page', body: null });
  assert.equal(Request.fromCurl('curl --silent "www.example.com"').url, 'http://www.example.com/');
  assert.throws(() => Request.fromCurl('curl'), { code: 'ERR_CURL' });
  assert.throws(() => Request.fromCurl('carl -X POST http://example.org'), { code: 'ERR_CURL' });
  const patch = Request.fromCurl(
    `curl "https://example.com/api/fake" -u "username:password" -H "Accept: application/vnd.go.cd.v4+json" -H "Content-Type: application/json" -X PATCH -d '{"hostname": "agent02.example.com"}'`,
  );
  assert.equal(patch.method, 'PATCH');
  assert.equal(patch.headers['content-type'], 'application/json');
  assert.equal(patch.body, '{"hostname": "agent02.example.com"}');
});

test('fromCurl: --url-query, --data-urlencode forms, -r, --oauth2-bearer, -x with -U, several URLs', () => {
  const request = Request.fromCurl(
    "curl --url-query 'q=a b' --url-query '+raw=%41' -r 0-99 --oauth2-bearer tok -x 127.0.0.1:3128 -U 'ann:p w' 'https://example.com/s?x=1'",
  );
  assert.equal(request.url, 'https://example.com/s?x=1&q=a%20b&raw=%41');
  assert.equal(request.headers.range, 'bytes=0-99');
  assert.equal(request.headers.authorization, 'Bearer tok');
  assert.equal(request.meta.proxy, 'http://ann:p%20w@127.0.0.1:3128/');
  const encoded = Request.fromCurl("curl --data-urlencode 'a b' --data-urlencode '=c&d' --data-urlencode 'n=e f' https://example.com/");
  assert.equal(encoded.body, 'a%20b&c%26d&n=e%20f');
  assert.throws(() => Request.fromCurl('curl https://a.example/ https://b.example/'), { code: 'ERR_CURL' });
});

function pick(request: Request): { method: string; url: string; body: unknown } {
  return { method: request.method, url: request.url, body: request.body === null ? null : String(request.body) };
}

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
