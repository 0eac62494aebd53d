#!/usr/bin/env node
/**
 * The `arachne` command, also installed as `crawl`. Each subcommand lives in its own file under commands/. Coded errors are
 * printed as `error ERR_...: message` plus the fix, without a stack trace, and exit with 2 for
 * configuration and usage errors, 1 for anything else.
 */
import { Command, CommanderError } from 'commander';
import { setFlagsFromString } from 'node:v8';
import { ArachneError, ConfigError } from '../errors.js';
import { listCommand } from './commands/list.js';
import { runCommand } from './commands/run.js';
import { runspiderCommand } from './commands/runspider.js';
import { settingsCommand } from './commands/settings.js';
import { versionCommand } from './commands/version.js';
import { checkCommand } from './commands/check.js';
import { fetchCommand } from './commands/fetch.js';
import { genspiderCommand } from './commands/genspider.js';
import { parseCommand } from './commands/parse.js';
import { shellCommand } from './commands/shell.js';
import { startprojectCommand } from './commands/startproject.js';
import { benchCommand } from './commands/bench.js';
import { reportCommand } from './commands/report.js';
import { clusterCommand } from './commands/cluster.js';
import { viewCommand } from './commands/view.js';
import { logLevelOption, withLogLevel } from './options.js';
import { packageVersion } from './package-info.js';
import { userFrames } from '../stack.js';

// undici parses HTTP with llhttp compiled to WebAssembly. V8 starts it on its baseline compiler
// and, once a function has run "enough" (--wasm-tiering-budget, 1.8M by default), recompiles it
// with TurboFan on a background thread: llhttp's parser is one huge function, ~300 ms of CPU to
// optimise, and a process cannot exit while that compile runs. A one-page crawl reached the
// budget on its first response and then waited ~190 ms at exit for a compile it never used.
// 50x the budget: a short command never pays for it; a long crawl still gets the optimised
// parser after its first few hundred responses. (Only the CLI sets it; the library sets no flag.)
setFlagsFromString('--wasm-tiering-budget=90000000');

/** Commander's own error lines are replaced by coded ones (`usageError`); help still prints. */
const QUIET_ERRORS = { outputError: (): void => {} };

/** What to do about each of commander's usage errors. */
function usageHint(code: string, command: string | undefined): string {
  const help = command ? `crawl ${command} --help` : 'crawl --help';
  switch (code) {
    case 'commander.unknownCommand':
      return '`crawl --help` lists the commands';
    case 'commander.unknownOption':
      return `\`${help}\` lists the options`;
    case 'commander.missingArgument':
    case 'commander.optionMissingArgument':
    case 'commander.missingMandatoryOptionValue':
    case 'commander.excessArguments':
      return `\`${help}\` shows the usage`;
    default:
      return `see \`${help}\``;
  }
}

/** A commander usage error as a coded one: `ERR_CLI_USAGE` with the fix. */
export function usageError(error: CommanderError, argv: readonly string[]): ConfigError {
  const command = buildProgram().commands.find((c) => c.name() === argv[2])?.name();
  return new ConfigError('ERR_CLI_USAGE', error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim(), { hint: usageHint(error.code, command) });
}

/**
 * `arachne` (the name that cannot collide, for `npx arachne startproject` anywhere) and `crawl`
 * (the short one inside projects) are the same program; help and usage lines say the name typed.
 */
function invokedAs(): string {
  return /(^|[\\/])arachne(\.c?js)?$/.test(process.argv[1] ?? '') ? 'arachne' : 'crawl';
}

/**
 * `-L` on every command, as in Scrapy: commands that do not declare it get it as a shorthand for
 * `-s log.level=...` (those without settings accept it and log nothing anyway).
 */
function addLogLevel(command: Command): void {
  if (command.commands.length > 0) {
    for (const sub of command.commands) addLogLevel(sub);
    return;
  }
  if (command.options.some((o) => o.long === '--loglevel')) return;
  command.addOption(logLevelOption()).hook('preAction', (_parent, action) => {
    const { loglevel, set } = action.opts<{ loglevel?: string; set?: string[] }>();
    if (loglevel) action.setOptionValue('set', withLogLevel(set, loglevel));
  });
}

export function buildProgram(): Command {
  const program = new Command(invokedAs())
    .description('Arachne: a Scrapy-style crawling framework for TypeScript')
    .version(packageVersion(), '-V, --version')
    .configureOutput(QUIET_ERRORS)
    .exitOverride();
  const toolbox = [startprojectCommand(), genspiderCommand(), fetchCommand(), shellCommand(), parseCommand(), checkCommand(), benchCommand(), viewCommand()];
  for (const command of [runCommand(), runspiderCommand(), listCommand(), settingsCommand(), versionCommand(), reportCommand(), clusterCommand(), ...toolbox]) {
    program.addCommand(command.configureOutput(QUIET_ERRORS).exitOverride());
    addLogLevel(command);
  }
  return program;
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit with 0; usage errors are coded like every other error.
      if (error.exitCode !== 0 && error.code !== 'commander.help' && error.code !== 'commander.helpDisplayed') {
        process.stderr.write(`error ${usageError(error, process.argv).describe()}\n`);
      }
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    if (error instanceof ArachneError) {
      process.stderr.write(`error ${error.describe()}\n`);
      process.exitCode = error.kind === 'config' ? 2 : 1;
      return;
    }
    // Not a coded error: the user's frames (spider code, config file) help; Arachne's own only
    // with ARACHNE_DEBUG=1, for a bug report.
    const frames = error instanceof Error ? (process.env.ARACHNE_DEBUG ? (error.stack ?? '').split('\n').slice(1).join('\n') : userFrames(error.stack)) : '';
    process.stderr.write(
      `error ERR_UNKNOWN: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}${frames ? `\n${frames}` : ''}\n  fix: if the frames above are not your code, this is a bug in Arachne: report it with the output of ARACHNE_DEBUG=1 crawl ...\n`,
    );
    process.exitCode = 1;
  }
}

await main();
