import { type Logger, pino } from 'pino';

export type { Logger };

/** JSON logs on stdout; one child logger per reconcile carries kind, namespace, name. */
export function createLogger(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { component: 'sluice-controller' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    // Defence in depth: no credential ever reaches a log line, whatever a caller passes.
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
  });
}
