/**
 * curl command lines to requests and back: `Request.fromCurl(command)` and `request.toCurl()`.
 *
 * Parsing follows what browsers' "Copy as cURL" emit (Chrome, Firefox: single-quoted arguments,
 * `$'...'` strings, backslash-newline continuations) and curl's own option semantics
 * (curl.1 man page): `-d` implies POST with `application/x-www-form-urlencoded` unless a
 * Content-Type is given, several `-d` are joined with `&`, `-G` moves them into the query string.
 *
 * Every option curl accepts that maps onto a request is taken: short flags bundled as curl
 * allows (`-sSL`, `-XPOST`, `-sd a=1`), `--name=value`, `--` before URLs, repeated `-H` of one
 * name, `-b` and `-H 'Cookie: ...'` together (every cookie kept, in command-line order), `--json`
 * (body, Content-Type and Accept as curl sets them), `--url-query`, `-r` (a Range header),
 * `-x`/`-U` (the request's `meta.proxy`), `--oauth2-bearer`. Options that only change what curl
 * prints or how it transfers (`-s`, `-v`, `-i`, `-L`, `-k`, `--compressed`, `-o`, `--retry`...)
 * are accepted and have no effect: redirects, TLS checks, retries and decompression are the
 * crawl's settings.
 *
 * Options curl knows that cannot map onto a request (`-F` multipart, `-T` uploads, `--digest`,
 * client certificates, files to read) are an error naming the flag and why
 * (`ERR_CURL_UNSUPPORTED_OPTION`), because silently dropping them would send a different request
 * than the one the user copied. Options Arachne does not know are `ERR_CURL_UNKNOWN_OPTION`,
 * listing every one; `{ ignoreUnknownOptions: true }` skips those (never the unsupported ones).
 */
import { DropRequestError } from '../errors.js';
import { FLAGS, WITH_VALUE, type Action } from './curl-options.js';

/** What a curl command line says about a request: the fields a `Request` is built from. */
export interface CurlRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | Uint8Array | null;
  /** `-x`: the proxy, with `-U` credentials in it. */
  meta?: { proxy: string };
}

export interface FromCurlOptions {
  /** Skip options Arachne does not know instead of throwing. Default false. */
  ignoreUnknownOptions?: boolean;
}

function curlError(message: string, hint: string): DropRequestError {
  return new DropRequestError('ERR_CURL', message, { hint });
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', e: '\x1b', f: '\f', v: '\v' };

/** Split a command line as a POSIX shell would (quotes, escapes, `$'...'`), without expansions. */
export function shellSplit(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  const n = command.length;
  while (i < n) {
    const c = command[i]!;
    if (c === '\\' && command[i + 1] === '\n') {
      i += 2;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const end = command.indexOf("'", i + 1);
      if (end < 0) throw curlError('unterminated single quote in the curl command', "close every ' quote");
      word += command.slice(i + 1, end);
      i = end + 1;
    } else if (c === '$' && command[i + 1] === "'") {
      // ANSI-C quoting (bash): Chrome uses it for bodies with control characters.
      i += 2;
      while (i < n && command[i] !== "'") {
        if (command[i] === '\\' && i + 1 < n) {
          const e = command[i + 1]!;
          if (e === 'x' || e === 'u') {
            const len = e === 'x' ? 2 : 4;
            const hex = /^[0-9a-fA-F]+/.exec(command.slice(i + 2, i + 2 + len))?.[0] ?? '';
            word += hex ? String.fromCodePoint(parseInt(hex, 16)) : e;
            i += 2 + hex.length;
          } else {
            word += SIMPLE_ESCAPES[e] ?? `\\${e}`;
            i += 2;
          }
        } else word += command[i++];
      }
      if (i >= n) throw curlError("unterminated $'...' string in the curl command", "close every $' quote");
      i++;
    } else if (c === '"') {
      i++;
      while (i < n && command[i] !== '"') {
        // Inside double quotes a backslash escapes only these (POSIX shell).
        if (command[i] === '\\' && '"\\$`\n'.includes(command[i + 1] ?? '')) {
          if (command[i + 1] !== '\n') word += command[i + 1];
          i += 2;
        } else word += command[i++];
      }
      if (i >= n) throw curlError('unterminated double quote in the curl command', 'close every " quote');
      i++;
    } else if (c === '\\') {
      word += command[i + 1] ?? '';
      i += 2;
    } else {
      word += c;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** `name=content` as curl's --data-urlencode / --url-query encode it; `@file` forms are refused. */
function urlencodePiece(flag: string, value: string): string {
  const eq = value.indexOf('=');
  const at = value.indexOf('@');
  if (at >= 0 && (eq < 0 || at < eq)) {
    throw unsupported(flag, value, 'it reads a file, which Arachne does not do; put the content in the command');
  }
  if (eq < 0) return encodeURIComponent(value);
  // `=content` encodes the content alone, without the `=`.
  if (eq === 0) return encodeURIComponent(value.slice(1));
  return `${value.slice(0, eq + 1)}${encodeURIComponent(value.slice(eq + 1))}`;
}

function unsupported(flag: string, value: string | undefined, why: string): DropRequestError {
  const shown = value === undefined ? flag : `${flag} ${JSON.stringify(value)}`;
  return new DropRequestError('ERR_CURL_UNSUPPORTED_OPTION', `curl option ${shown} cannot be turned into a request: ${why}`, {
    hint: `remove ${flag} from the command (Request.fromCurl refuses it rather than send a different request)`,
  });
}

/** Parse a curl command line into `Request` options. Throws coded `ERR_CURL...` errors. */
export function parseCurl(command: string, options: FromCurlOptions = {}): CurlRequest {
  const words = shellSplit(command.trim());
  if (words[0] !== 'curl') throw curlError('a curl command must start with "curl"', 'paste the whole command, e.g. from "Copy as cURL"');
  let method: string | undefined;
  const urls: string[] = [];
  let get = false;
  // Header values in command-line order, per lower-case name; `null` removes curl's own header.
  const headers = new Map<string, string[] | null>();
  const cookies: string[] = [];
  let body: string | undefined;
  const query: string[] = [];
  let proxy: string | undefined;
  let proxyUser: string | undefined;
  const unknown: string[] = [];

  // Headers set by options (-A, -u, -e, -r, --json...): a -H of the same name wins over them,
  // whichever comes first, as in curl.
  const internal = new Set<string>();
  const setHeader = (name: string, value: string): void => {
    if (headers.has(name) && !internal.has(name)) return;
    headers.set(name, [value]);
    internal.add(name);
  };
  let json = false;
  const addData = (piece: string, separator: string): void => {
    body = body === undefined ? piece : `${body}${separator}${piece}`;
  };

  const take = (flag: string, action: Action, value: string): void => {
    if (action.startsWith('unsupported:')) throw unsupported(flag, value, action.slice('unsupported:'.length));
    switch (action) {
      case 'method':
        method = value;
        break;
      case 'header': {
        if (value.startsWith('@')) throw unsupported(flag, value, 'it reads headers from a file, which Arachne does not do');
        // curl: `Name: value` sends it, `Name:` removes curl's own header, `Name;` sends it empty.
        const colon = value.indexOf(':');
        const semi = value.indexOf(';');
        if (colon <= 0 && !(semi > 0 && semi === value.length - 1)) {
          throw curlError(`curl header ${JSON.stringify(value)} has no "name: value" form`, 'write -H "Name: value"');
        }
        const name = (colon <= 0 ? value.slice(0, -1) : value.slice(0, colon)).trim().toLowerCase();
        const headerValue = colon <= 0 ? '' : value.slice(colon + 1).trim();
        if (internal.delete(name)) headers.delete(name);
        if (name === 'cookie') {
          if (headerValue !== '') cookies.push(headerValue);
        } else if (colon > 0 && headerValue === '') {
          headers.set(name, null);
        } else {
          const values = headers.get(name);
          if (values) values.push(headerValue);
          else headers.set(name, [headerValue]);
        }
        break;
      }
      case 'data':
        if (value.startsWith('@')) {
          throw curlError(`curl data ${JSON.stringify(value)} reads a file, which Arachne does not do`, 'put the body in the command with --data-raw');
        }
        addData(value, '&');
        break;
      case 'data-raw':
        addData(value, '&');
        break;
      case 'data-urlencode':
        addData(urlencodePiece(flag, value), '&');
        break;
      case 'json':
        if (value.startsWith('@')) throw unsupported(flag, value, 'it reads a file, which Arachne does not do; put the JSON in the command');
        // curl concatenates --json pieces as they are, and sets both headers unless -H overrides.
        addData(value, '');
        json = true;
        break;
      case 'url-query':
        query.push(value.startsWith('+') ? value.slice(1) : urlencodePiece(flag, value));
        break;
      case 'cookie':
        if (!value.includes('=')) {
          throw curlError(`curl -b ${JSON.stringify(value)} names a cookie file, which Arachne does not read`, 'pass cookies inline: -b "name=value; other=value"');
        }
        cookies.push(value.trim().replace(/;$/, ''));
        break;
      case 'user-agent':
        setHeader('user-agent', value);
        break;
      case 'user':
        setHeader('authorization', `Basic ${Buffer.from(value.includes(':') ? value : `${value}:`).toString('base64')}`);
        break;
      case 'bearer':
        setHeader('authorization', `Bearer ${value}`);
        break;
      case 'referer':
        // curl's `;auto` suffix asks it to set the referer on redirects: Arachne does that anyway.
        setHeader('referer', value.replace(/;auto$/, ''));
        break;
      case 'range':
        setHeader('range', `bytes=${value}`);
        break;
      case 'proxy':
        proxy = value;
        break;
      case 'proxy-user':
        proxyUser = value;
        break;
      case 'url':
        urls.push(value);
        break;
      default:
        break;
    }
  };

  const flagAction = (flag: string): void => {
    const action = FLAGS[flag]!;
    if (action.startsWith('unsupported:')) throw unsupported(flag, undefined, action.slice('unsupported:'.length));
    if (action === 'get') get = true;
    else if (action === 'head') method = 'HEAD';
  };

  let endOfOptions = false;
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!;
    if (endOfOptions || !word.startsWith('-') || word === '-') {
      urls.push(word);
      continue;
    }
    if (word === '--') {
      endOfOptions = true;
      continue;
    }
    if (word.startsWith('--')) {
      // `--name=value` as well as `--name value`.
      const eq = word.indexOf('=');
      const flag = eq > 0 ? word.slice(0, eq) : word;
      const valued = WITH_VALUE[flag];
      if (valued !== undefined) {
        const value = eq > 0 ? word.slice(eq + 1) : words[++i];
        if (value === undefined) throw curlError(`curl option ${flag} needs a value`, `write ${flag} <value>`);
        take(flag, valued, value);
      } else if (FLAGS[flag] !== undefined && eq < 0) {
        flagAction(flag);
      } else {
        unknown.push(word);
      }
      continue;
    }
    // Short options, bundled as curl reads them: `-sSL` are three flags; in `-XPOST` or
    // `-sXPOST` the option that takes a value takes the rest of the word (or the next word).
    for (let j = 1; j < word.length; j++) {
      const flag = `-${word[j]}`;
      const valued = WITH_VALUE[flag];
      if (valued !== undefined) {
        const rest = word.slice(j + 1);
        const value = rest !== '' ? rest : words[++i];
        if (value === undefined) throw curlError(`curl option ${flag} needs a value`, `write ${flag} <value>`);
        take(flag, valued, value);
        break;
      }
      if (FLAGS[flag] !== undefined) {
        flagAction(flag);
        continue;
      }
      // An unknown letter may take a value we cannot tell apart from more letters: stop here.
      unknown.push(j === 1 ? word : `${flag} (in ${word})`);
      break;
    }
  }

  if (unknown.length > 0 && !options.ignoreUnknownOptions) {
    throw new DropRequestError('ERR_CURL_UNKNOWN_OPTION', `unknown curl options: ${unknown.join(' ')}`, {
      hint: 'remove them, or pass { ignoreUnknownOptions: true } to Request.fromCurl to skip them',
    });
  }
  if (urls.length === 0) throw curlError('the curl command has no URL', "add the URL, e.g. curl 'https://example.com/'");
  if (new Set(urls).size > 1) {
    throw curlError(`the curl command has ${urls.length} URLs (${urls.join(', ')}); a request has one`, 'make one request per URL');
  }
  let url = urls[0]!;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) url = `http://${url}`;

  if (get && body !== undefined) {
    query.push(body);
    body = undefined;
  }
  if (query.length > 0) {
    const target = new URL(url);
    const joined = query.join('&');
    target.search = target.search ? `${target.search}&${joined}` : joined;
    url = target.href;
  }
  if (json) {
    setHeader('content-type', 'application/json');
    setHeader('accept', 'application/json');
  }
  if (body !== undefined) {
    method ??= 'POST';
    if (!json) setHeader('content-type', 'application/x-www-form-urlencoded');
  }
  const out: Record<string, string> = {};
  for (const [name, values] of headers) {
    // Repeated headers go out as one, comma-joined (RFC 9110 section 5.3).
    if (values !== null) out[name] = values.join(', ');
  }
  if (cookies.length > 0) out.cookie = cookies.join('; ');

  const init: CurlRequest = { url, method: method ?? 'GET', headers: out, body: body ?? null };
  if (proxy !== undefined) init.meta = { proxy: proxyUrl(proxy, proxyUser) };
  return init;
}

/** A `-x` value as a proxy URL (`http://` when it has no scheme), with `-U` credentials in it. */
function proxyUrl(value: string, user: string | undefined): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let parsed: URL;
  try {
    parsed = new URL(withScheme);
  } catch {
    throw curlError(`curl -x ${JSON.stringify(value)} is not a proxy URL`, 'write -x http://host:port');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw unsupported('-x', value, 'only http:// and https:// proxies are supported');
  }
  if (user !== undefined) {
    const colon = user.indexOf(':');
    parsed.username = encodeURIComponent(colon < 0 ? user : user.slice(0, colon));
    parsed.password = colon < 0 ? '' : encodeURIComponent(user.slice(colon + 1));
  }
  return parsed.href;
}

/** Single-quote a word for a POSIX shell. */
function quote(word: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A curl command line for a request: `curl 'url' -X METHOD -H 'name: value' --data-raw 'body'`. */
export function toCurl(request: Omit<CurlRequest, 'meta'>): string {
  const parts = ['curl', quote(request.url)];
  const hasBody = request.body !== null && request.body.length > 0;
  if (request.method !== (hasBody ? 'POST' : 'GET')) parts.push('-X', quote(request.method));
  for (const [name, value] of Object.entries(request.headers)) parts.push('-H', quote(`${name}: ${value}`));
  if (hasBody) {
    // Bytes are written as UTF-8 text: curl has no portable inline form for arbitrary bytes.
    const text = typeof request.body === 'string' ? request.body : Buffer.from(request.body!).toString('utf8');
    parts.push('--data-raw', quote(text));
  }
  return parts.join(' ');
}
