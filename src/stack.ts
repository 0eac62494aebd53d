/**
 * The user's part of a stack trace. A coded error thrown by Arachne (`response.json()` on HTML)
 * carries Arachne's own frames first; what helps is the spider's file and line, so log lines keep
 * only frames outside Arachne, Node's internals and node_modules.
 *
 * Arachne's folder (src/ or dist/) is found from this module's own stack frame rather than from
 * `import.meta`: parse workers may load this file as CommonJS (see src/parse/worker.ts).
 */
const FRAME = /^\s+at /;

function ownDir(): string {
  const line = new Error().stack?.split('\n').find((l) => FRAME.test(l)) ?? '';
  const location = /\(([^()]+)\)\s*$/.exec(line)?.[1] ?? line.replace(FRAME, '');
  const path = location.replace(/^file:\/\//, '').replace(/:\d+:\d+$/, '');
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut > 0 ? path.slice(0, cut + 1) : '\0';
}

const OWN_DIR = ownDir();

function isUserFrame(line: string): boolean {
  if (!FRAME.test(line)) return false;
  const decoded = line.replace(/file:\/\//, '');
  return !decoded.includes(OWN_DIR) && !/\(node:|at node:|\/node_modules\/|<anonymous>\)?$/.test(decoded);
}

/** Up to `max` frames of the user's code from `stack`, one per line, indented; '' when none. */
export function userFrames(stack: string | undefined, max = 3): string {
  if (!stack) return '';
  return stack
    .split('\n')
    .filter(isUserFrame)
    .slice(0, max)
    .map((l) => `    ${l.trim()}`)
    .join('\n');
}
