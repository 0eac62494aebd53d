import { DepthMiddleware } from './depth.js';
import { HttpErrorsMiddleware } from './http-errors.js';
import { OffsiteMiddleware } from './offsite.js';
import type { SpiderMiddlewareClass } from './spider-middleware.js';
import { UrlLengthMiddleware } from './url-length.js';

/** The default spider middlewares, in the order they see each request. */
export const DEFAULT_SPIDER_MIDDLEWARES: readonly SpiderMiddlewareClass[] = [
  HttpErrorsMiddleware,
  OffsiteMiddleware,
  UrlLengthMiddleware,
  DepthMiddleware,
];
