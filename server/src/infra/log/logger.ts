import { pino, type DestinationStream } from 'pino';
import type { Config } from '../config/config.js';
import { errorForLog } from './error-for-log.js';

/** Where the lines go: stderr unless a test captures them (anything with `write(line)`). */
export type LogDestination = DestinationStream;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/**
 * Keys whose values never reach a log line, at whatever depth they appear: tokens (a bearer
 * header, an API token, an account's ChatService token), what a customer reads (captions, message
 * text) and SQL parameters (they carry both; `detail` is Postgres echoing a failing row's values).
 */
const SECRET_KEYS = ['authorization', 'token', 'chatServiceToken', 'caption', 'text', 'params', 'parameters', 'values', 'detail'];
/** pino's `*` matches exactly one level, so each key is listed at every depth down to this one. */
const REDACT_DEPTH = 5;
const REDACT_PATHS = SECRET_KEYS.flatMap((key) => Array.from({ length: REDACT_DEPTH + 1 }, (_, depth) => `${'*.'.repeat(depth)}${key}`));

/** Errors are logged as errorForLog shapes them: what failed and where, nothing the caller sent. */
function serializeError(value: unknown): unknown {
  return value instanceof Error ? errorForLog(value) : value;
}

/**
 * One JSON line per entry on stderr (stdout stays free for CLI results):
 * `{"level":"info","time":"…",…base,"msg":"event.name",…fields}`. Pass an Error itself in
 * `error`/`err` (not its stack string), so the serializer can keep query parameters out.
 */
export function createLogger(
  level: Config['logLevel'],
  base: Record<string, unknown> = {},
  // Synchronous, so the last lines before process.exit are not lost.
  destination: LogDestination = pino.destination({ fd: 2, sync: true }),
): Logger {
  const logger = pino(
    {
      level,
      base,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: serializeError, error: serializeError },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    destination,
  );
  return {
    debug: (msg, fields) => logger.debug(fields ?? {}, msg),
    info: (msg, fields) => logger.info(fields ?? {}, msg),
    warn: (msg, fields) => logger.warn(fields ?? {}, msg),
    error: (msg, fields) => logger.error(fields ?? {}, msg),
  };
}
