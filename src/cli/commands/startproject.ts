import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { Command } from 'commander';
import { ConfigError } from '../../errors.js';
import { DEFAULTS } from '../../settings/defaults.js';
import { settingsAsConfigComments } from '../../settings/docs.js';
import { validateName } from '../names.js';
import { checkOutputPath } from '../output-paths.js';
import { arachneSpec } from '../arachne-spec.js';
import { packageVersion } from '../package-info.js';
import { renderTree, TEMPLATES_DIR } from '../templates.js';

/** Settings the project template sets for real, so they are left out of the commented block. */
const SET_IN_TEMPLATE = ['concurrency.perDomain', 'download.delayMs', 'download.randomizeDelay', 'robots.obey'];

/**
 * `settingsAsConfigComments()` gives two lines per setting (its doc, then the commented key);
 * keep the pairs of every setting the template does not set itself.
 */
function commentedSettings(): string {
  const lines = settingsAsConfigComments('  ').split('\n');
  const kept: string[] = [];
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const key = /\/\/ '([^']+)':/.exec(lines[i + 1]!)?.[1];
    if (key && SET_IN_TEMPLATE.includes(key)) continue;
    kept.push(lines[i]!, lines[i + 1]!);
  }
  return kept.join('\n');
}

/** The variables of templates/project/. */
export function projectTemplateVars(name: string, arachneSpec: string): Record<string, string> {
  // robots.obey is only written when this Arachne knows the key: the generated config must validate.
  const robots = 'robots.obey' in DEFAULTS ? "  // Fetch and obey each site's robots.txt.\n  robots: { obey: true },\n\n" : '';
  return {
    name,
    packageName: name.toLowerCase(),
    arachneSpec,
    robotsSetting: robots,
    settingsComments: commentedSettings(),
  };
}

export function startprojectCommand(): Command {
  return new Command('startproject')
    .description('create a new project: crawl.config.ts, an example spider, a pipeline, a test, package.json and tsconfig.json')
    .argument('<name>', 'the project name (letters, digits, "_" and "-")')
    .argument('[dir]', 'where to create it (default: ./<name>); must be missing or empty')
    .option(
      '--arachne-spec <spec>',
      'the arachne dependency written to package.json (default: ^<version> when this Arachne came from the npm registry, else file:<its tarball or folder>)',
    )
    .action((name: string, dir: string | undefined, options: { arachneSpec?: string }) => {
      validateName(name, 'project');
      const target = resolve(dir ?? name);
      if (existsSync(target) && (!statSync(target).isDirectory() || readdirSync(target).length > 0)) {
        throw new ConfigError('ERR_DIR_NOT_EMPTY', `${target} already exists and is not an empty folder`, {
          hint: 'pick another folder, or empty this one first (startproject never overwrites files)',
        });
      }
      checkOutputPath({ path: dir ?? name, source: 'startproject: the project folder', kind: 'dir' });
      const spec = options.arachneSpec ?? arachneSpec(packageVersion());
      const written = renderTree(join(TEMPLATES_DIR, 'project'), target, projectTemplateVars(name, spec));
      const shown = relative(process.cwd(), target) || '.';
      process.stdout.write(
        `created project "${name}" in ${target}:\n${written.map((f) => `  ${f}\n`).join('')}\n` +
          `arachne dependency: ${spec}\n\nnext:\n  cd ${shown}\n  npm install\n  npx crawl list\n  npx crawl run pages -O pages.jsonl\n  npx crawl genspider <name> <domain>\n`,
      );
    });
}
