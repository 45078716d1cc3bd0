/** Structured JSON logs, one line each, with the service name and (when known) the correlation id. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger whose lines all carry these fields (e.g. `{ correlationId }`). */
  child(fields: Record<string, unknown>): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  readonly service: string;
  /** Lowest level written (default: LOG_LEVEL or `info`). */
  readonly level?: LogLevel;
  readonly write?: (line: string) => void;
}

export function createLogger(options: LoggerOptions, base: Record<string, unknown> = {}): Logger {
  const envLevel = process.env.LOG_LEVEL as LogLevel | undefined;
  const min = ORDER[options.level ?? (envLevel && envLevel in ORDER ? envLevel : 'info')];
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const emit = (level: LogLevel, message: string, fields?: Record<string, unknown>): void => {
    if (ORDER[level] < min) return;
    const record = { time: new Date().toISOString(), level, service: options.service, ...base, ...fields, message };
    write(`${JSON.stringify(record, errorsAsText)}\n`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger(options, { ...base, ...fields }),
  };
}

function errorsAsText(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message } : value;
}

/** A logger that drops everything (tests that assert on outcomes, not logs). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
