import { readFileSync } from 'node:fs';

/** The version in Arachne's package.json (dist/cli and src/cli are both two levels below it). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
