// Runs the metrics app as its own process, for end-to-end tests and demos:
//
//   node test/support/metrics-app/main.ts --port 8080 --name podinfo --version v2 \
//     [--host 127.0.0.1] [--error-rate 0.1] [--latency-ms 50] [--rps 20]
//
// Prints one JSON line {"msg":"metrics app listening","url":…} once it accepts requests, so a
// parent process can wait for it; stops cleanly on SIGTERM and SIGINT.

import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { type Behaviour, startMetricsApp } from './metrics-app.ts';

const log = pino({ base: { component: 'metrics-app' }, timestamp: pino.stdTimeFunctions.isoTime });

function numberOption(values: Record<string, unknown>, key: string): number | undefined {
  const raw = values[key];
  if (raw === undefined) return undefined;
  const parsed = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(parsed)) {
    throw new RangeError(`--${key} must be a number, got '${String(raw)}'`);
  }
  return parsed;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      name: { type: 'string' },
      version: { type: 'string', default: 'v1' },
      'error-rate': { type: 'string' },
      'latency-ms': { type: 'string' },
      rps: { type: 'string' },
    },
    strict: true,
  });
  if (values.name === undefined || values.name === '') throw new RangeError('--name is required');

  const behaviour: Partial<Behaviour> = {};
  const errorRate = numberOption(values, 'error-rate');
  const latencyMs = numberOption(values, 'latency-ms');
  const rps = numberOption(values, 'rps');
  if (errorRate !== undefined) behaviour.errorRate = errorRate;
  if (latencyMs !== undefined) behaviour.latencyMs = latencyMs;
  if (rps !== undefined) behaviour.rps = rps;

  const app = await startMetricsApp({
    name: values.name,
    version: values.version,
    host: values.host,
    port: numberOption(values, 'port') ?? 0,
    behaviour,
  });
  log.info(
    { url: app.url, name: app.name, version: app.version, behaviour: app.behaviour() },
    'metrics app listening',
  );

  const shutdown = (signal: NodeJS.Signals) => {
    log.info({ signal }, 'stopping');
    app.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  log.error({ err: error }, 'metrics app failed to start');
  process.exit(1);
});
