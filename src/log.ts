/**
 * A small levelled logger. Lines go to stderr so stdout stays free for data (`crawl fetch`,
 * `-o -`). Spiders get one named after themselves as `this.logger`.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  child(name: string): Logger;
}

export type LogSink = (level: Exclude<LogLevel, 'silent'>, name: string, message: string) => void;

/** Writes `2026-11-24T08:00:00.000Z [name] LEVEL: message` lines to stderr. */
export const stderrSink: LogSink = (level, name, message) => {
  process.stderr.write(`${new Date().toISOString()} [${name}] ${level.toUpperCase()}: ${message}\n`);
};

export function createLogger(name: string, level: LogLevel = 'info', sink: LogSink = stderrSink): Logger {
  const min = RANK[level];
  const emit = (lvl: Exclude<LogLevel, 'silent'>, message: string): void => {
    if (RANK[lvl] >= min) sink(lvl, name, message);
  };
  return {
    debug: (m) => emit('debug', m),
    info: (m) => emit('info', m),
    warn: (m) => emit('warn', m),
    error: (m) => emit('error', m),
    child: (child) => createLogger(`${name}.${child}`, level, sink),
  };
}

/** A logger that drops everything (tests, library use). */
export const silentLogger: Logger = createLogger('silent', 'silent');
