/**
 * A start-up failure at any point closes exactly what was opened, in reverse, through the real
 * CLI: a busy metrics port, an unwritable trace path, a feed that cannot be opened, an unreachable
 * Redis, each alone, with a job dir and in a cluster. Each run must print its coded error, exit
 * non-zero by itself (no hang: an open socket, timer or worker would keep it alive), print no
 * stack of Arachne's own, and leave no file behind but what the user asked for; a cluster
 * process leaves the shared state as a clean leave would (no process registered, no lease held).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { redisCommand, startRedis, type RedisServer } from '../fixtures/redis-server.js';
import { startSite, type Site } from '../fixtures/site.js';
import { makeProject, startCli, type CliResult, type TempProject } from '../helpers/project.js';

const SPIDER = `
import { Spider, type Response } from 'arachne';
export default class Pages extends Spider {
  static override name = 'pages';
  override async *start() { yield this.request(this.args.url!); }
  async *parse(response: Response) { yield { url: response.url }; }
}
`;

/** The same spider with a pipeline whose open() throws: the last component start-up opens. */
const BROKEN_PIPELINE = SPIDER.replace("name = 'pages'", "name = 'broken-pipeline'").replace(
  'export default class Pages extends Spider {',
  'export default class BrokenPipeline extends Spider {\n  static override customSettings = { pipelines: [{ open() { throw new Error(\'the warehouse is closed\'); }, process(item: object) { return item; } }] };',
);

/** A run that has not exited after this long is hung: killed, and the test fails. */
const EXIT_DEADLINE_MS = 30_000;

let project: TempProject;
let site: Site;
let redis: RedisServer;
let busy: Server;
let busyPort: number;

before(async () => {
  // Redis first: without redis-server it throws before anything else is open to keep the file's
  // process alive (the after hook closes only what was opened).
  redis = await startRedis();
  project = makeProject({ 'crawl.config.ts': 'export default {};\n', 'spiders/pages.ts': SPIDER, 'spiders/broken-pipeline.ts': BROKEN_PIPELINE, 'a-file': 'not a folder\n' });
  site = await startSite({ pages: 2 });
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  busyPort = (busy.address() as { port: number }).port;
});

after(async () => {
  if (busy) await new Promise((resolve) => busy.close(resolve));
  await site?.close();
  await redis?.close();
  project?.remove();
});

async function run(args: string[], spider = 'pages'): Promise<CliResult & { hung: boolean }> {
  const cli = startCli(['run', spider, '-a', `url=${site.url}/page/0`, ...args], project.dir);
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    cli.child.kill('SIGKILL');
  }, EXIT_DEADLINE_MS);
  const result = await cli.done;
  clearTimeout(timer);
  return { ...result, hung };
}

// Paths are checked before anything opens (ERR_OUTPUT_PATH); a busy port and a pipeline that
// cannot open fail later, after the job store, the cluster membership, the trace and the sockets.
const FAILURES: { name: string; args: () => string[]; code: RegExp; spider?: string }[] = [
  { name: 'a busy metrics port', args: () => ['-s', `metrics.port=${busyPort}`, '--trace', 'trace.jsonl'], code: /ERR_METRICS_\w+/ },
  { name: 'an unwritable trace path', args: () => ['--trace', 'a-file/trace.jsonl'], code: /ERR_TRACE_\w+|ERR_OUTPUT_PATH/ },
  { name: 'a feed that cannot be opened', args: () => ['-o', 'a-file/items.jsonl'], code: /ERR_FEED_\w+|ERR_OUTPUT_PATH/ },
  { name: 'a pipeline whose open() throws', args: () => ['--trace', 'trace.jsonl', '-o', 'items.jsonl'], code: /ERR_PIPELINE_OPEN/, spider: 'broken-pipeline' },
];

const MODES: { name: string; args: (id: string) => string[] }[] = [
  { name: 'alone', args: () => [] },
  { name: 'with a job dir', args: (id) => ['--job-dir', `job-${id}`] },
  { name: 'in a cluster', args: (id) => ['--redis', redis.url, '--crawl-id', id] },
];

let counter = 0;
for (const failure of FAILURES) {
  for (const mode of MODES) {
    test(`${failure.name}, ${mode.name}: the coded error, a non-zero exit, nothing left open`, async () => {
      const id = `startup-${++counter}`;
      const before = new Set(readdirSync(project.dir));
      const result = await run([...mode.args(id), ...failure.args(), '-s', 'log.statsIntervalMs=0'], failure.spider);
      assert.equal(result.hung, false, `the process did not exit by itself:\n${result.stderr}`);
      assert.notEqual(result.code, 0, result.stderr);
      assert.match(result.stderr, failure.code);
      assert.doesNotMatch(result.stderr, /ReferenceError|TypeError|\n\s+at .*(src|dist)\//, 'no stack of Arachne\'s own');
      // What the user asked for may be there (a trace file, an empty feed); nothing else.
      const added = readdirSync(project.dir).filter((f) => !before.has(f));
      const allowed = [...(mode.name === 'with a job dir' ? [`job-${id}`] : []), 'trace.jsonl', 'items.jsonl'];
      assert.deepEqual(added.filter((f) => !allowed.includes(f)), [], 'no file left behind');
      if (mode.name === 'with a job dir' && existsSync(join(project.dir, `job-${id}`))) {
        const lock = readdirSync(join(project.dir, `job-${id}`)).filter((f) => /lock/i.test(f));
        assert.deepEqual(lock, [], 'the job dir is not left locked');
      }
      if (mode.name === 'in a cluster') {
        // Raw RESP replies: an integer is `:N`, an array of N keys `*N`.
        assert.equal((await redisCommand(redis.port, ['ZCARD', `arachne:{${id}}:procs`])).trim(), ':0', 'no process left registered');
        assert.equal((await redisCommand(redis.port, ['KEYS', `arachne:{${id}}:lease:*`])).trim(), '*0', 'no lease left');
      }
    });
  }
}

test('an unreachable Redis: the coded error and a non-zero exit, at once', async () => {
  const result = await run(['--redis', 'redis://127.0.0.1:1', '--crawl-id', 'nowhere']);
  assert.equal(result.hung, false, result.stderr);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /ERR_CLUSTER_\w+|ERR_REDIS_\w+/);
  assert.doesNotMatch(result.stderr, /\n\s+at .*(src|dist)\//);
});
