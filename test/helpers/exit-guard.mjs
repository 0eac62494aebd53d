/**
 * Preloaded into every test file's process by `npm test` (`--import ./test/helpers/exit-guard.mjs`).
 * Plain JavaScript: worker threads started by a test inherit the preload, and under Node 20 they
 * load it without tsx.
 *
 * A file whose tests are done but which leaves a handle open (a server, a timer, a child process)
 * would keep its process, and the whole run, waiting for ever under Node 24. Node's
 * `--test-force-exit` ends such a process, but with several files at once it can lose the last
 * verdicts a file sent (nodejs/node#64833: the runner then reports fewer tests, and still passes).
 * This guard waits instead: once the file's tests and hooks are done, a timer that keeps nothing
 * alive gives the process EXIT_GRACE_MS to end by itself. If it is still there, it names what is
 * open and exits 1, which fails the file with every verdict already reported.
 */
import process from 'node:process';
import { setTimeout } from 'node:timers';
import { isMainThread } from 'node:worker_threads';

// Long enough for a loaded machine to finish closing what a file's after() hooks closed; the
// guard's own test shortens it.
const EXIT_GRACE_MS = Number(process.env.ARACHNE_TEST_EXIT_GRACE_MS ?? 20_000);

// The runner sets NODE_TEST_CONTEXT in each file's process; the runner's own process has none.
// A worker thread of that process (a parse worker) sees it too, but is not the file's test root.
if (process.env.NODE_TEST_CONTEXT !== undefined && isMainThread) {
  const { after } = await import('node:test');
  after(() => {
    setTimeout(() => {
      const open = process.getActiveResourcesInfo();
      process.stderr.write(
        `exit guard: this test file's process was still running ${EXIT_GRACE_MS / 1000} s after ` +
          `its tests ended; open: ${open.join(', ') || 'nothing named'}. Close what the file ` +
          `opened in an after() hook.\n`,
      );
      process.exit(1);
    }, EXIT_GRACE_MS).unref();
  });
}
