import { DropRequestError } from '../errors.js';
import type { Response } from '../http/response.js';
import type { SpiderMiddleware, SpiderMiddlewareContext } from './spider-middleware.js';

/**
 * Keeps non-2xx responses away from callbacks unless allowed (`httpErrors.allowedCodes`,
 * `httpErrors.allowAll`, or per request `meta.handleHttpStatusList` / `handleHttpStatusAll`).
 * A refused response goes to the request's errback with `ERR_HTTP_STATUS`.
 */
export class HttpErrorsMiddleware implements SpiderMiddleware {
  readonly #context: SpiderMiddlewareContext;
  readonly #allowed: Set<number>;
  readonly #allowAll: boolean;

  constructor(context: SpiderMiddlewareContext) {
    this.#context = context;
    this.#allowed = new Set(context.settings['httpErrors.allowedCodes']);
    this.#allowAll = context.settings['httpErrors.allowAll'];
  }

  processInput(response: Response): void {
    const { status } = response;
    if (status >= 200 && status < 300) return;
    const meta = response.request.meta;
    if (this.#allowAll || meta.handleHttpStatusAll || this.#allowed.has(status) || meta.handleHttpStatusList?.includes(status)) return;
    this.#context.stats.inc('httpErrors/ignored');
    this.#context.stats.inc(`httpErrors/ignored/status/${status}`);
    throw new DropRequestError('ERR_HTTP_STATUS', `ignoring response ${status} for ${response.url}`, {
      hint: 'to parse it anyway, add the status to httpErrors.allowedCodes or meta.handleHttpStatusList',
    });
  }
}
