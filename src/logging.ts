/**
 * The structured logger (pino). Secrets never reach a log line: every `${VAR}` value from the config
 * is masked wherever it appears in a logged object or message, and well-known secret fields are
 * masked by path.
 */
import { pino, destination, stdSerializers, stdTimeFunctions, type DestinationStream, type Logger as PinoLogger } from 'pino';
import { SecretMask } from './core/args/redact.js';
import type { Logger } from './core/log.js';

export interface LoggerOptions {
  readonly level: string;
  readonly secrets: readonly string[];
  readonly destination?: DestinationStream;
  readonly bindings?: Record<string, unknown>;
}

const SECRET_PATHS = [
  'token', '*.token', 'password', '*.password', 'secret', '*.secret',
  'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization', 'req.headers.authorization',
];

export function createLogger(options: LoggerOptions): Logger & PinoLogger {
  const mask = new SecretMask(options.secrets);
  const scrub = (value: unknown, depth = 0): unknown => {
    if (mask.empty || depth > 6) return value;
    if (typeof value === 'string') return mask.text(value);
    if (value instanceof Error) return { type: value.name, message: mask.text(value.message), stack: mask.text(value.stack ?? '') };
    if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, depth + 1)]));
    }
    return value;
  };
  return pino(
    {
      level: options.level,
      base: { ...options.bindings },
      redact: { paths: SECRET_PATHS, censor: '***' },
      serializers: { err: (e: unknown) => scrub(stdSerializers.err(e as Error)) },
      // What an operator reads and a log shipper indexes: `"level":"warn"` and an ISO 8601 UTC time,
      // not pino's level numbers and epoch milliseconds.
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }), log: (obj) => scrub(obj) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          const cleaned = args.map((a) => (typeof a === 'string' ? mask.text(a) : a));
          method.apply(this, cleaned as Parameters<typeof method>);
        },
      },
    },
    options.destination ?? destination({ dest: 2, sync: false }),
  );
}
