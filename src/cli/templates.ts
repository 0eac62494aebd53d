/**
 * The renderer behind `crawl startproject` and `crawl genspider`: template files under
 * templates/ with `{{name}}` placeholders. A placeholder the caller did not supply is an error,
 * so a template and its command cannot drift apart silently.
 *
 * templates/ ships in the npm package next to dist/ (package.json "files"); src/cli and dist/cli
 * are both two levels below it.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArachneError } from '../errors.js';

/** The templates folder of this Arachne install. */
export const TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/g;

/**
 * npm drops `.gitignore` from published packages (and renames it on install), so dotfiles are
 * stored without their dot and get it back when written.
 */
const RENAMES: Record<string, string> = { gitignore: '.gitignore' };

/** Fills every `{{key}}` of `text`; an unknown key throws `ERR_TEMPLATE_PLACEHOLDER`. */
export function renderTemplate(text: string, vars: Readonly<Record<string, string>>, source = 'template'): string {
  return text.replace(PLACEHOLDER, (_match, key: string) => {
    const value = vars[key];
    if (value === undefined) {
      throw new ArachneError('ERR_TEMPLATE_PLACEHOLDER', 'config', `${source} uses {{${key}}}, which the command does not fill`, {
        hint: `known placeholders: ${Object.keys(vars).join(', ')}`,
      });
    }
    return value;
  });
}

/** Every file below `dir`, as paths relative to it, sorted. */
export function listTemplateFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)))
    .sort();
}

/** Renders every file of the template folder `from` into `to`; returns the written paths (relative). */
export function renderTree(from: string, to: string, vars: Readonly<Record<string, string>>): string[] {
  const written: string[] = [];
  for (const file of listTemplateFiles(from)) {
    const parts = file.split(/[\\/]/).map((p) => RENAMES[p] ?? p);
    const target = join(to, ...parts);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, renderTemplate(readFileSync(join(from, file), 'utf8'), vars, file));
    written.push(parts.join('/'));
  }
  return written;
}

/** The names of the spider templates (templates/spiders/<name>.ts). */
export function spiderTemplateNames(): string[] {
  const dir = join(TEMPLATES_DIR, 'spiders');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}
