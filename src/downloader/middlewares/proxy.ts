import type { ArachneError} from '../../errors.js';
import { DropRequestError, RetryableError, errorCode } from '../../errors.js';
import { Request } from '../../http/request.js';
import type { Response } from '../../http/response.js';
import type { SettingValues } from '../../settings/defaults.js';
import type { DownloaderMiddleware, Handler, MiddlewareContext } from '../middleware.js';

/** Network failures that are the proxy's, not the target's, when a request goes through one. */
const PROXY_ERRORS = new Set(['ERR_CONNECTION_REFUSED', 'ERR_CONNECT_TIMEOUT', 'ERR_CONNECTION_RESET', 'ERR_DOWNLOAD_TIMEOUT', 'ERR_DOWNLOAD_FAILED', 'ERR_DNS']);
/** Gateway statuses: the proxy could not get an answer from the target. */
const GATEWAY_STATUS = new Set([502, 503, 504]);

/**
 * Classifies each download through a pool proxy for its health (DESIGN.md §4): success; target
 * error (a 404 is not the proxy's fault); or proxy failure (connect errors, timeouts, 407, gateway
 * 502/503/504, a ban status such as 403/429, or `proxy.banPattern` in the body). A 407 or a ban
 * becomes a retryable coded error so the retry goes through another proxy (`meta.avoidProxies`).
 */
export class ProxyMiddleware implements DownloaderMiddleware {
  static enabled(settings: Readonly<SettingValues>): boolean {
    return settings['proxy.enabled'];
  }

  readonly #context: MiddlewareContext;
  readonly #banStatus: Set<number>;
  readonly #banPattern: RegExp | undefined;

  constructor(context: MiddlewareContext) {
    this.#context = context;
    this.#banStatus = new Set(context.settings['proxy.banStatuses']);
    this.#banPattern = context.settings['proxy.banPattern'] ? new RegExp(context.settings['proxy.banPattern'], 'i') : undefined;
  }

  wrap(next: Handler): Handler {
    const { proxies } = this.#context;
    if (!proxies) return next;
    return async (request) => {
      const id = request.meta.proxyId;
      if (id === undefined) {
        if (request.meta.proxy !== undefined) return next(request);
        throw new DropRequestError('ERR_PROXY_REFUSED', `no proxy may serve ${request.host}: every proxy is dedicated to other domains`, {
          hint: 'add a proxy without `domains` (and outside proxy.partition), or dedicate one to this domain',
        });
      }
      const start = this.#context.now();
      let result;
      try {
        result = await next(request);
      } catch (error) {
        const now = this.#context.now();
        const code = tunnelAuthFailed(error) ? 'ERR_PROXY_AUTH' : errorCode(error);
        proxies.report(id, PROXY_ERRORS.has(code) || code === 'ERR_PROXY_AUTH' ? 'proxy_failure' : 'target_error', now - start, now, code);
        if (code === 'ERR_PROXY_AUTH') throw authError(id, error);
        throw error;
      }
      if (Request.isRequest(result)) return result;
      const now = this.#context.now();
      const latency = now - start;
      const response = result as Response;
      if (response.status === 407) {
        proxies.report(id, 'proxy_failure', latency, now, 'ERR_PROXY_AUTH');
        throw authError(id);
      }
      if (this.#banned(response)) {
        proxies.report(id, 'proxy_failure', latency, now, 'ERR_PROXY_BANNED');
        throw new RetryableError('ERR_PROXY_BANNED', `${request.url} answered ${response.status} through proxy ${id}: looks like a ban`, {
          hint: 'the request is retried through another proxy; tune proxy.banStatuses and proxy.banPattern',
        });
      }
      if (GATEWAY_STATUS.has(response.status)) proxies.report(id, 'proxy_failure', latency, now, `status/${response.status}`);
      else proxies.report(id, response.status < 400 ? 'success' : 'target_error', latency, now);
      return response;
    };
  }

  #banned(response: Response): boolean {
    if (this.#banStatus.has(response.status)) return true;
    // The body is scanned only when a pattern is set, and only its first 64 KB.
    return this.#banPattern !== undefined && this.#banPattern.test(Buffer.from(response.body.buffer, response.body.byteOffset, Math.min(response.body.byteLength, 65_536)).toString('latin1'));
  }
}

/** undici's ProxyAgent rejects a CONNECT answered 407 with "Proxy response (407) !== 200 when HTTP Tunneling". */
function tunnelAuthFailed(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) if (/\(407\)/.test(e.message)) return true;
  return false;
}

/** A 407: names the proxy by id, never by URL (the URL holds the password). */
function authError(id: string, cause?: unknown): ArachneError {
  return new RetryableError('ERR_PROXY_AUTH', `proxy ${id} rejected its credentials (407 Proxy Authentication Required)`, {
    hint: `check the user name and password of ${id} in proxy.list / proxy.file`,
    ...(cause ? { cause } : {}),
  });
}
