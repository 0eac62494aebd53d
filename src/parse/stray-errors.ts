/**
 * Errors spider code raises where no callback can catch them: a promise it did not await that
 * rejects, a timer callback that throws. Node's default for both ends the process, losing the
 * items already yielded (in-process) or, on a parse worker, was swallowed without a log line.
 * While callbacks run, they are caught here, coded and logged with the user's frames, and counted
 * as a callback failure; the crawl and its items go on.
 */
import { CallbackError } from '../errors.js';
import { userFrames } from '../stack.js';

export type StrayOrigin = 'unhandledRejection' | 'uncaughtException';

/** The coded error for a stray failure, naming what happened, the user's frames and the fix. */
export function strayError(error: unknown, origin: StrayOrigin): CallbackError {
  const what = origin === 'unhandledRejection' ? 'a promise nobody awaited rejected' : 'a timer or event handler threw';
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const frames = error instanceof Error ? userFrames(error.stack) : '';
  return new CallbackError('ERR_CALLBACK_UNHANDLED', `in spider code, ${what}: ${message}${frames ? `\n${frames}` : ''}`, {
    hint:
      origin === 'unhandledRejection'
        ? 'await every promise inside the callback (or add .catch()), so its failure fails that response only'
        : 'catch errors inside timer and event callbacks, or await a promise instead of using a timer',
  });
}

export interface StraySink {
  (error: CallbackError): void;
}

/**
 * Catches stray errors process-wide until the returned function is called. Counted users: each
 * `catchStrayErrors` call adds its own listeners, so two crawls in one process each see them.
 */
export function catchStrayErrors(sink: StraySink): () => void {
  const onRejection = (reason: unknown): void => sink(strayError(reason, 'unhandledRejection'));
  const onException = (error: unknown): void => sink(strayError(error, 'uncaughtException'));
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}
