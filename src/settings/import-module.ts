/**
 * Imports user TypeScript (spiders, crawl.config.ts) without a build step.
 *
 * tsx's `register()` installs its ESM loader hooks once for the whole process (Node >= 20.6's
 * `module.register`), so a spider imported here shares module instances with the rest of the
 * process: its `import { Spider } from 'arachne'` is the same module the CLI uses. tsx's
 * namespaced `tsImport()` would load a second copy of every dependency. tsx was chosen over
 * jiti and ts-node because it is esbuild-fast, ESM-native and maintained; note that esbuild only
 * strips types: type errors are `tsc`'s job (`npm run typecheck` in a project), syntax errors are
 * reported here with file and line.
 */
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../errors.js';
import { compiledModule } from './compiled-module.js';

let registered: Promise<void> | undefined;

/** tsx is loaded on the first import of user code, not with Arachne (it weighs more than the rest of start-up). */
export function ensureTypeScriptLoader(): Promise<void> {
  registered ??= import('tsx/esm/api').then(({ register }) => {
    register();
  });
  return registered;
}

/** Imports a .ts/.js module by path; a load failure becomes a coded ConfigError naming the file. */
export async function importModule(file: string, code: string, what: string): Promise<Record<string, unknown>> {
  // Unchanged TypeScript comes compiled from the project's cache, without tsx (compiled-module.ts).
  const compiled = await compiledModule(file);
  if (!compiled) await ensureTypeScriptLoader();
  try {
    return (await import(pathToFileURL(compiled ?? file).href)) as Record<string, unknown>;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ConfigError(code, `cannot load ${what} ${file}: ${message.split('\n').slice(0, 6).join('\n')}`, {
      hint: `fix the error in ${file} (run \`npx tsc --noEmit\` in the project for type errors)`,
      cause: error,
    });
  }
}
