/**
 * Writes docs/errors.md, the error reference, from the CATALOGUE in src/errors.ts:
 * `npm run docs:errors`. test/errors-catalogue.test.ts fails when the file is out of step.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CATALOGUE, type ErrorKind } from '../src/errors.js';

export const ERRORS_DOC = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'errors.md');

const KINDS: Record<ErrorKind, string> = {
  config: 'Configuration and usage: the crawl does not start; `crawl` exits with 2',
  callback: 'Spider code: that response fails (counted in spider/exceptions); the crawl goes on',
  item: 'Items: that item is dropped or not written (counted in item/errors or item/dropped); the crawl goes on',
  drop: 'Dropped requests: counted in request/failed; the crawl goes on',
  retry: 'Network failures: retried (retry.times), then counted in request/failed',
  close: 'The crawl closes gracefully, keeping every item already scraped',
};

const cell = (text: string): string => text.replace(/\|/g, '\\|');

export function renderErrorsDoc(): string {
  const lines = [
    '# Error reference',
    '',
    '<!-- Generated from CATALOGUE in src/errors.ts by `npm run docs:errors`; edit the catalogue, not this file. -->',
    '',
    "Every error Arachne raises has a stable code. The CLI prints it as `error ERR_...: message` with a",
    "`fix:` line and no stack trace of Arachne's own (your code's frames are shown where they help);",
    'match on `error.code` in code. Configuration and usage errors exit with 2, others with 1.',
    '',
  ];
  for (const [kind, title] of Object.entries(KINDS) as [ErrorKind, string][]) {
    const codes = Object.entries(CATALOGUE).filter(([, entry]) => entry.kind === kind);
    if (codes.length === 0) continue;
    lines.push(`## ${title}`, '', '| code | meaning | fix |', '| --- | --- | --- |');
    for (const [code, entry] of codes.sort(([a], [b]) => a.localeCompare(b))) lines.push(`| \`${code}\` | ${cell(entry.meaning)} | ${cell(entry.fix)} |`);
    lines.push('');
  }
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(ERRORS_DOC, renderErrorsDoc());
  process.stdout.write(`wrote ${ERRORS_DOC}\n`);
}
