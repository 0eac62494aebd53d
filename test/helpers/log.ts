/** A logger that keeps its lines, for tests that check what was (or was never) logged. */
import { createLogger, type Logger, type LogLevel } from '../../src/log.js';

export function recordingLogger(level: LogLevel = 'debug'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { lines, logger: createLogger('test', level, (lvl, _name, message) => lines.push(`${lvl}: ${message}`)) };
}
