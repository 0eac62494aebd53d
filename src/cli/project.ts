import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { loadProject, type Project } from '../settings/load.js';

/** The project folder's spiders live in `spiders/` next to crawl.config.ts. */
export const SPIDERS_DIR = 'spiders';

export async function requireProject(cwd: string): Promise<Project & { spidersDir: string }> {
  const project = await loadProject(cwd);
  if (!project) {
    throw new ConfigError('ERR_NO_PROJECT', `no crawl.config.ts in ${cwd} or any folder above it`, {
      hint: 'run this command inside an Arachne project, or use `crawl runspider <file.ts>` for a single spider file',
    });
  }
  return { ...project, spidersDir: join(project.dir, SPIDERS_DIR) };
}
