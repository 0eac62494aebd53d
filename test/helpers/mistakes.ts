/** Assertions shared by the "user mistakes" CLI tests (issue 21): coded, right exit, no stack of ours. */
import assert from 'node:assert/strict';
import type { CliResult } from './project.js';

/** A line of a stack trace that points into Arachne itself (src/ or dist/ of this repository). */
const OWN_FRAME = /^\s+at .*(\/src\/|\/dist\/)(core|cli|settings|parse|items|spider|http|downloader|scheduler|errors)/m;
const ANY_FRAME = /^\s+at /m;

/** The run failed with `code` (printed as `error CODE: ...` with a fix), exit `exit`, no stack trace at all. */
export function assertCoded(result: CliResult, code: string, exit: number): void {
  assert.equal(result.code, exit, `exit ${String(result.code)}, stderr:\n${result.stderr}`);
  assert.match(result.stderr, new RegExp(`error ${code}: `), result.stderr);
  assert.match(result.stderr, /\n {2}fix: \S/, `no fix in:\n${result.stderr}`);
  assert.doesNotMatch(result.stderr, ANY_FRAME, `a stack trace was printed:\n${result.stderr}`);
}

/** No frame of Arachne's own code was printed (the user's frames may be). */
export function assertNoOwnStack(output: string): void {
  assert.doesNotMatch(output, OWN_FRAME, `a stack frame of Arachne's own was printed:\n${output}`);
}
