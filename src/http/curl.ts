/**
 * curl command lines to requests and back: `Request.fromCurl(command)` and `request.toCurl()`.
 *
 * Parsing follows what browsers' "Copy as cURL" emit (Chrome, Firefox: single-quoted arguments,
 * `$'...'` strings, backslash-newline continuations) and curl's own option semantics
 * (curl.1 man page): `-d` implies POST with `application/x-www-form-urlencoded` unless a
 * Content-Type is given, several `-d` are joined with `&`, `-G` moves them into the query string.
 *
 * Unknown options are an error (`ERR_CURL_UNKNOWN_OPTION`) that lists every one of them, because
 * silently dropping, say, `--proxy` or `--form` would send a different request than the one the
 * user copied. `{ ignoreUnknownOptions: true }` skips them instead. Options that only change what
 * curl prints or how it transfers (`-s`, `-v`, `-i`, `-L`, `-k`, `--compressed`...) are accepted
 * and have no effect: redirects, TLS checks and decompression are the crawl's settings.
 */
import { DropRequestError } from '../errors.js';
import type { RequestData, RequestInit } from './request.js';

export interface FromCurlOptions {
  /** Skip options Arachne does not know instead of throwing. Default false. */
  ignoreUnknownOptions?: boolean;
}

/** Options that take a value, by every spelling, mapped to one name. */
const WITH_VALUE: Record<string, string> = {
  '-X': 'method',
  '--request': 'method',
  '-H': 'header',
  '--header': 'header',
  '-d': 'data',
  '--data': 'data',
  '--data-ascii': 'data',
  '--data-binary': 'data',
  '--data-raw': 'data-raw',
  '--data-urlencode': 'data-urlencode',
  '-b': 'cookie',
  '--cookie': 'cookie',
  '-A': 'user-agent',
  '--user-agent': 'user-agent',
  '-u': 'user',
  '--user': 'user',
  '-e': 'referer',
  '--referer': 'referer',
  '--url': 'url',
  // Accepted and ignored: they change how curl runs, not the request.
  '--max-time': 'ignore',
  '-m': 'ignore',
  '--connect-timeout': 'ignore',
  '-o': 'ignore',
  '--output': 'ignore',
  '-w': 'ignore',
  '--write-out': 'ignore',
  '--retry': 'ignore',
};

/** Flags without a value. */
const FLAGS: Record<string, string> = {
  '-G': 'get',
  '--get': 'get',
  '-I': 'head',
  '--head': 'head',
  '--compressed': 'ignore',
  '-s': 'ignore',
  '--silent': 'ignore',
  '-S': 'ignore',
  '--show-error': 'ignore',
  '-v': 'ignore',
  '--verbose': 'ignore',
  '-i': 'ignore',
  '--include': 'ignore',
  '-L': 'ignore',
  '--location': 'ignore',
  '-k': 'ignore',
  '--insecure': 'ignore',
  '-f': 'ignore',
  '--fail': 'ignore',
  '--http1.1': 'ignore',
  '--http2': 'ignore',
};

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

/** Parse a curl command line into `Request` options. Throws coded `ERR_CURL...` errors. */
export function parseCurl(command: string, options: FromCurlOptions = {}): RequestInit {
  const words = shellSplit(command.trim());
  if (words[0] !== 'curl') throw curlError('a curl command must start with "curl"', 'paste the whole command, e.g. from "Copy as cURL"');
  let method: string | undefined;
  let url: string | undefined;
  let get = false;
  const headers: Record<string, string> = {};
  const data: string[] = [];
  const unknown: string[] = [];

  const take = (name: string, value: string): void => {
    switch (name) {
      case 'method':
        method = value;
        break;
      case 'header': {
        const colon = value.indexOf(':');
        if (colon <= 0) throw curlError(`curl header ${JSON.stringify(value)} has no "name: value" form`, 'write -H "Name: value"');
        const headerValue = value.slice(colon + 1).trim();
        if (headerValue !== '') headers[value.slice(0, colon).trim().toLowerCase()] = headerValue;
        break;
      }
      case 'data':
        if (value.startsWith('@')) {
          throw curlError(`curl data ${JSON.stringify(value)} reads a file, which Arachne does not do`, 'put the body in the command with --data-raw');
        }
        data.push(value);
        break;
      case 'data-raw':
        data.push(value);
        break;
      case 'data-urlencode': {
        const eq = value.indexOf('=');
        data.push(eq < 0 ? encodeURIComponent(value) : `${value.slice(0, eq + 1)}${encodeURIComponent(value.slice(eq + 1))}`);
        break;
      }
      case 'cookie':
        if (!value.includes('=')) {
          throw curlError(`curl -b ${JSON.stringify(value)} names a cookie file, which Arachne does not read`, 'pass cookies inline: -b "name=value; other=value"');
        }
        headers.cookie = value;
        break;
      case 'user-agent':
        headers['user-agent'] = value;
        break;
      case 'user':
        headers.authorization = `Basic ${Buffer.from(value.includes(':') ? value : `${value}:`).toString('base64')}`;
        break;
      case 'referer':
        headers.referer = value;
        break;
      case 'url':
        url = value;
        break;
      default:
        break;
    }
  };

  for (let i = 1; i < words.length; i++) {
    const word = words[i]!;
    if (!word.startsWith('-') || word === '-') {
      url = word;
      continue;
    }
    // `--name=value` and `-Xvalue` forms, as curl accepts them.
    const eq = word.startsWith('--') ? word.indexOf('=') : -1;
    const flag = eq > 0 ? word.slice(0, eq) : word.startsWith('--') ? word : word.slice(0, 2);
    const inline = eq > 0 ? word.slice(eq + 1) : !word.startsWith('--') && word.length > 2 ? word.slice(2) : undefined;
    const valued = WITH_VALUE[flag];
    if (valued !== undefined) {
      const value = inline ?? words[++i];
      if (value === undefined) throw curlError(`curl option ${flag} needs a value`, `write ${flag} <value>`);
      take(valued, value);
      continue;
    }
    const plain = FLAGS[flag];
    if (plain !== undefined && inline === undefined) {
      if (plain === 'get') get = true;
      else if (plain === 'head') method = 'HEAD';
      continue;
    }
    unknown.push(word);
  }

  if (unknown.length > 0 && !options.ignoreUnknownOptions) {
    throw new DropRequestError('ERR_CURL_UNKNOWN_OPTION', `unknown curl options: ${unknown.join(' ')}`, {
      hint: 'remove them, or pass { ignoreUnknownOptions: true } to Request.fromCurl to skip them',
    });
  }
  if (url === undefined) throw curlError('the curl command has no URL', "add the URL, e.g. curl 'https://example.com/'");
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) url = `http://${url}`;

  let body: string | null = null;
  if (data.length > 0) {
    const joined = data.join('&');
    if (get) {
      const target = new URL(url);
      target.search = target.search ? `${target.search}&${joined}` : joined;
      url = target.href;
    } else {
      body = joined;
      method ??= 'POST';
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    }
  }
  return { url, method: method ?? 'GET', headers, body };
}

/** Single-quote a word for a POSIX shell. */
function quote(word: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A curl command line for a request: `curl 'url' -X METHOD -H 'name: value' --data-raw 'body'`. */
export function toCurl(request: Pick<RequestData, 'url' | 'method' | 'headers' | 'body'>): string {
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
