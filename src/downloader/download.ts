/**
 * One fetch in flight over undici: the dispatch handler, its whole-download deadline, its
 * body chunks, and the record of whether its socket was new or reused.
 *
 * New or reused socket: undici calls a handler's `onRequestStart` and, synchronously after it in
 * the same call, publishes `undici:client:sendHeaders` with the socket the request is written to
 * (undici 7.30 lib/dispatcher/client-h1.js `writeH1`). So `onRequestStart` marks its download as
 * the one starting, and the channel subscriber pairs it with the socket and counts requests per
 * socket in a WeakMap: a count above zero means a kept-alive socket. Node's bundled fetch
 * publishes on the same channel (DESIGN.md section 8); its messages find no download marked and
 * are ignored.
 */
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import { ArachneError, DropRequestError, RetryableError, errorCode } from '../errors.js';
import type { ResponseHeaders, Timings } from '../http/response.js';
import { responseTooLarge } from './decompress.js';

/** Counters since the transport was built. */
export interface TransportStats {
  /** Sockets connected. Reuse rate = 1 - connectionsOpened / requests. */
  connectionsOpened: number;
  /** Requests dispatched, stale-socket retries included. */
  requests: number;
  /** Requests sent again at once because a reused socket turned out closed by the server. */
  staleSocketRetries: number;
  /** Sockets connected and requests sent through each proxy (by proxy id, host:port). */
  byProxy: Record<string, { connectionsOpened: number; requests: number }>;
  /** Sockets connected per origin, direct and through proxies alike. */
  openedByOrigin: Record<string, number>;
}

/** Methods safe to send twice (RFC 9110 section 9.2.2), so a stale-socket failure may be retried. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/** What a request fails with when the server closed a kept-alive socket as we wrote to it. */
const STALE_SOCKET_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

/** Requests written to each socket so far, shared by every transport in the process; sockets are forgotten with their WeakMap entry. */
const requestsPerSocket = new WeakMap<Socket, number>();

interface SendHeadersMessage {
  request: { method: string; path: string };
  socket: Socket;
}

function onDeadline(download: Download): void {
  download.fail(
    new RetryableError(
      'ERR_DOWNLOAD_TIMEOUT',
      `download of ${download.url} took longer than ${download.timeoutMs} ms (download.timeoutMs)`,
      { hint: 'raise download.timeoutMs (or meta.downloadTimeoutMs for this request) if the site is slow but alive' },
    ),
  );
}

/**
 * One fetch in flight: the undici handler for its attempts (at most two, see `retryable`) and its
 * result. Methods rather than closures, so a fetch allocates this object and its promise only.
 */
export class Download implements Dispatcher.DispatchHandler {
  /** The download whose `onRequestStart` just ran: `sendHeaders` follows it synchronously. */
  static #starting: Download | null = null;

  /** The `undici:client:sendHeaders` subscriber: pairs the starting download with its socket. */
  static onSendHeaders(message: unknown): void {
    const download = Download.#starting;
    if (download === null) return;
    Download.#starting = null;
    const { request, socket } = message as SendHeadersMessage;
    // Belt and braces: the message must be for the request the download dispatched.
    if (request.path !== download.path || request.method !== download.method) return;
    const used = requestsPerSocket.get(socket) ?? 0;
    requestsPerSocket.set(socket, used + 1);
    download.reused = used > 0;
    download.ip = socket.remoteAddress;
  }

  readonly url: string;
  readonly method: string;
  readonly path: string;
  readonly timeoutMs: number;
  readonly timings: Timings;
  reused: boolean | undefined = undefined;
  ip: string | undefined = undefined;
  status = 0;
  headers: ResponseHeaders = {};
  chunks: Buffer[] = [];
  bytes = 0;
  attempts = 0;
  readonly promise: Promise<Download>;
  readonly #counters: TransportStats;
  readonly #maxBytes: number;
  #dispatcher: Pick<Dispatcher, 'dispatch'> | null = null;
  #options: Dispatcher.DispatchOptions | null = null;
  #controller: Dispatcher.DispatchController | null = null;
  #timer: NodeJS.Timeout;
  #settled = false;
  #error: Error | null = null;
  #resolve!: (download: Download) => void;
  #reject!: (error: Error) => void;

  constructor(counters: TransportStats, url: URL, method: string, timeoutMs: number, maxBytes: number) {
    this.#counters = counters;
    this.url = url.href;
    this.method = method;
    this.path = url.pathname + url.search;
    this.timeoutMs = timeoutMs;
    this.#maxBytes = maxBytes;
    this.timings = { dispatchedAt: performance.now() };
    this.promise = new Promise<Download>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.#timer = setTimeout(onDeadline, timeoutMs, this);
  }

  /** Send the first attempt. */
  send(dispatcher: Pick<Dispatcher, 'dispatch'>, options: Dispatcher.DispatchOptions): void {
    this.#dispatcher = dispatcher;
    this.#options = options;
    this.#attempt();
  }

  #attempt(): void {
    this.attempts++;
    this.#controller = null;
    this.reused = undefined;
    this.ip = undefined;
    this.#counters.requests++;
    this.#dispatcher!.dispatch(this.#options!, this);
  }

  /** Settle with an error; abort the attempt in flight, if it has started. */
  fail(error: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#error = error;
    clearTimeout(this.#timer);
    this.#reject(error);
    // Before `onRequestStart` there is nothing to abort yet: `onRequestStart` does it.
    this.#controller?.abort(error);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#error !== null) {
      controller.abort(this.#error);
      return;
    }
    Download.#starting = this;
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    this.timings.headersAt = performance.now();
    this.status = statusCode;
    const setCookie = headers['set-cookie'];
    if (typeof setCookie === 'string') headers['set-cookie'] = [setCookie];
    this.headers = headers;
    const length = Number(headers['content-length']);
    // Refuse before reading a byte when the server announces more than the cap.
    if (this.#maxBytes > 0 && length > this.#maxBytes) {
      this.fail(responseTooLarge(this.url, this.#maxBytes, `the body (content-length ${length})`));
    }
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#settled) return;
    this.bytes += chunk.length;
    if (this.#maxBytes > 0 && this.bytes > this.#maxBytes) {
      this.fail(responseTooLarge(this.url, this.#maxBytes, 'the body'));
      return;
    }
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.#settled) return;
    this.#settled = true;
    clearTimeout(this.#timer);
    this.timings.doneAt = performance.now();
    // Deliver once undici has freed the client, not before. With pipelining 1 undici waits a
    // `setImmediate` after a response before it marks the client free (undici 7.30
    // client-h1.js `onMessageComplete`: `setImmediate(client[kResume])`, queued right after this
    // call returns). A caller that dispatched its next request before then would find the client
    // busy and open a second socket: measured, 2 connections for 20 sequential requests. The
    // next tick runs once this stack unwinds, so the immediate it queues runs after undici's.
    process.nextTick(Download.#afterResponse, this);
  }

  static #afterResponse(download: Download): void {
    setImmediate(Download.#deliver, download);
  }

  static #retry(download: Download): void {
    if (!download.#settled) download.#attempt();
  }

  static #deliver(download: Download): void {
    download.#resolve(download);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.#settled) return;
    if (this.#retryable(error)) {
      this.#counters.staleSocketRetries++;
      // Not from inside this callback: undici calls it while still tearing the socket down, and a
      // dispatch made here landed on a client that then never reused a socket again (measured:
      // every later request to the origin opened a new connection). A turn later it is clean.
      setImmediate(Download.#retry, this);
      return;
    }
    this.fail(networkError(error, this.url, this.timeoutMs));
  }

  /**
   * A first attempt that failed on a kept-alive socket before any response: the server closed
   * the idle connection as we wrote (DESIGN.md section 8). Safe to resend at once if idempotent.
   */
  #retryable(error: Error): boolean {
    return (
      this.attempts === 1 &&
      this.reused === true &&
      this.status === 0 &&
      IDEMPOTENT.has(this.method) &&
      STALE_SOCKET_CODES.has(errorCode(error))
    );
  }
}

/** Map an undici or socket error to Arachne's coded errors, keeping it as `cause`. */
export function networkError(error: Error, url: string, timeoutMs: number): ArachneError {
  if (error instanceof ArachneError) return error;
  let code = errorCode(error);
  // Happy-eyeballs connects (Node 20 `autoSelectFamily`) fail with an AggregateError.
  if (code === 'ERR_UNKNOWN' && error instanceof AggregateError) code = errorCode(error.errors[0]);
  const options = { cause: error };
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new RetryableError('ERR_CONNECT_TIMEOUT', `connecting for ${url} timed out (download.connectTimeoutMs)`, {
        ...options,
        hint: 'the host is unreachable or overloaded; raise download.connectTimeoutMs if it is merely slow',
      });
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return new RetryableError('ERR_DOWNLOAD_TIMEOUT', `download of ${url} took longer than ${timeoutMs} ms (download.timeoutMs)`, options);
    case 'UND_ERR_SOCKET':
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
      return new RetryableError('ERR_CONNECTION_RESET', `connection for ${url} was closed by the other side (${code}: ${error.message})`, options);
    case 'ECONNREFUSED':
      return new RetryableError('ERR_CONNECTION_REFUSED', `connection for ${url} was refused`, {
        ...options,
        hint: 'nothing listens on that host and port',
      });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new RetryableError('ERR_DNS', `cannot resolve the host of ${url} (${code})`, {
        ...options,
        hint: 'check the host name',
      });
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
    case 'CERT_UNTRUSTED':
    case 'CERT_REVOKED':
    case 'CERT_SIGNATURE_FAILURE':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      // A certificate does not get better on a retry: drop at once, and say how to test anyway.
      return new DropRequestError('ERR_TLS_CERT', `the TLS certificate of ${url} was refused (${code}: ${error.message})`, {
        ...options,
        hint: 'fix the certificate; for testing only, -s download.verifyTls=false accepts any certificate',
      });
    case 'UND_ERR_INVALID_ARG':
      // undici refused the request itself (a header value with CR/LF, a bad method): sending it
      // again cannot help.
      return new DropRequestError('ERR_INVALID_REQUEST', `cannot send ${url}: ${error.message}`, {
        ...options,
        hint: 'check the request method and header values',
      });
    default:
      // llhttp's parse errors (undici 7.30 core/errors.js HTTPParserError; its `code` is often
      // unset, e.g. for an invalid header token: checked): a malformed status line or header.
      // Sending the same request again gets the same bytes.
      if (code.startsWith('HPE_') || error.name === 'HTTPParserError') {
        return new DropRequestError('ERR_BAD_RESPONSE', `the response of ${url} is not valid HTTP (${error.message})`, {
          ...options,
          hint: 'the server sent a malformed status line or header; nothing to fix on this side',
        });
      }
      return new RetryableError('ERR_DOWNLOAD_FAILED', `download of ${url} failed (${code}: ${error.message})`, options);
  }
}

