import { type DestinationStream, type Logger, pino } from 'pino';
import { redactCredentials, redactFields } from './redact.ts';

export type { Logger };

/** JSON logs on stdout; one child logger per reconcile carries kind, namespace, name. */
export function createLogger(
  level = process.env.LOG_LEVEL ?? 'info',
  destination?: DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { component: 'sluice-controller' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      // Defence in depth: a URL with `user:password@` or an Authorization header logged by
      // any caller (a spec.url, a git message) loses its credentials here.
      log: (fields) => redactFields(fields) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((a) => (typeof a === 'string' ? redactCredentials(a) : a));
        return method.apply(this, scrubbed as Parameters<typeof method>);
      },
    },
    // No credential ever reaches a log line under these names, whatever a caller passes.
    redact: {
      paths: [
        'password',
        'token',
        'secret',
        '*.password',
        '*.token',
        '*.secret',
        'headers.authorization',
        '*.headers.authorization',
        'identity',
        '*.identity',
      ],
      censor: '[redacted]',
    },
  };
  const logger = destination ? pino(options, destination) : pino(options);
  // pino gives child loggers no bindings formatter; children inherit this from the root.
  const child = logger.child;
  logger.child = function (this: Logger, bindings, opts) {
    return child.call(this, redactFields(bindings) as typeof bindings, opts);
  } as typeof logger.child;
  return logger;
}
