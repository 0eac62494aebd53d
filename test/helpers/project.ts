/**
 * Temporary user projects for CLI tests: a folder with package.json, crawl.config.ts and spiders/,
 * where `arachne` resolves to this repository (a node_modules symlink, as an install would give).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(REPO, 'dist', 'cli', 'main.js');

export interface TempProject {
  dir: string;
  write(path: string, content: string): void;
  remove(): void;
}

export function makeProject(files: Record<string, string>): TempProject {
  const dir = mkdtempSync(join(tmpdir(), 'arachne-project-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(REPO, join(dir, 'node_modules', 'arachne'), 'dir');
  const write = (path: string, content: string): void => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  };
  write('package.json', JSON.stringify({ name: 'test-project', private: true, type: 'module' }));
  for (const [path, content] of Object.entries(files)) write(path, content);
  return { dir, write, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliRun {
  child: ReturnType<typeof spawn>;
  done: Promise<CliResult>;
}

/** Starts the real `crawl` CLI (the built dist/) in `cwd`. */
export function startCli(args: string[], cwd: string): CliRun {
  return startProcess(process.execPath, [CLI, ...args], cwd);
}

/** Starts `command args` in `cwd` (with `env` over this process's environment), collecting its output. */
export function startProcess(command: string, args: readonly string[], cwd: string, env?: NodeJS.ProcessEnv): CliRun {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], ...(env ? { env: { ...process.env, ...env } } : {}) });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolveDone) => {
    child.on('close', (code, signal) => resolveDone({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

export function runCli(args: string[], cwd: string): Promise<CliResult> {
  return startCli(args, cwd).done;
}

/** Runs `command args` in `cwd` to its end. */
export function runProcess(command: string, args: readonly string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<CliResult> {
  return startProcess(command, args, cwd, env).done;
}
