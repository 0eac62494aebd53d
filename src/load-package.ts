/**
 * Loading a dependency on first use instead of at import: `import 'arachne'` and `crawl
 * --version` then cost only what every crawl needs. better-sqlite3 (job dirs), ioredis (cluster,
 * Redis feeds), piscina (parse workers) and tough-cookie (cookies) are each loaded by the one
 * component that uses them, when it is built.
 *
 * `require` (not `await import()`) keeps their callers synchronous: all four ship CommonJS. The
 * packages under the selectors (css-select, css-what, entities, dom-serializer), the sitemap
 * parser (htmlparser2), robots-parser and iconv-lite load the same way, through `lazyPackage`:
 * their CommonJS builds are also the copies cheerio requires, so a thread holds one of each.
 * better-sqlite3 and ioredis are optionalDependencies (better-sqlite3 compiles from source where
 * no prebuilt binary fits, and most crawls need neither): when one is missing, asking for its
 * feature is a coded error that names the package to install.
 */
import { createRequire } from 'node:module';
import { ConfigError } from './errors.js';

const require = createRequire(import.meta.url);

/** package.json's optionalDependencies: npm may have skipped them. */
const OPTIONAL = new Set(['better-sqlite3', 'ioredis']);

function isMissing(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === 'MODULE_NOT_FOUND' && typeof message === 'string' && message.includes(`'${name}'`);
}

/**
 * The package `name`, loaded now (Node caches it after the first call).
 *
 * @param feature what needs it, for the error: `"a job dir (--job-dir, job.dir)"`.
 * @throws ConfigError `ERR_MISSING_DEPENDENCY` when the package is not installed.
 */
export function loadPackage<T>(name: string, feature: string): T {
  try {
    return require(name) as T;
  } catch (error) {
    if (!isMissing(error, name)) throw error;
    throw new ConfigError('ERR_MISSING_DEPENDENCY', `${feature} needs the package "${name}", which is not installed`, {
      hint: `run \`npm install ${name}\` in your project${OPTIONAL.has(name) ? ' (it is an optional dependency of arachne)' : ' (arachne depends on it: the install is incomplete)'}`,
      cause: error,
    });
  }
}

/**
 * A getter for the package `name` that loads it on its first call ({@link loadPackage}) and
 * returns the same module after, for code on a hot path (each selector call, each link).
 */
export function lazyPackage<T>(name: string, feature: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= loadPackage<T>(name, feature));
}
