import { Command } from 'commander';
import { loadSpiders } from '../../spider/spider-loader.js';
import { requireProject } from '../project.js';

export function listCommand(): Command {
  return new Command('list').description('list the spiders of the current project').action(async () => {
    const project = await requireProject(process.cwd());
    const spiders = await loadSpiders(project.spidersDir);
    for (const name of [...spiders.keys()].sort()) process.stdout.write(`${name}\n`);
  });
}
