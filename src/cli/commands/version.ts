import { Command } from 'commander';
import { packageVersion } from '../package-info.js';

export function versionCommand(): Command {
  return new Command('version')
    .description('print the Arachne version')
    .option('-v, --verbose', 'also print Node.js and the core libraries')
    .action((options: { verbose?: boolean }) => {
      process.stdout.write(`arachne ${packageVersion()}\n`);
      if (options.verbose) {
        process.stdout.write(`node ${process.versions.node}\nundici ${process.versions.undici ?? ''} (bundled with node; Arachne uses its own)\nplatform ${process.platform}-${process.arch}\n`);
      }
    });
}
