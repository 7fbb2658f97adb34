import { ConfigError, loadConfig } from './config.ts';
import { startManager } from './manager.ts';
import { createLogger } from './observability/logger.ts';

const log = createLogger(process.env.LOG_LEVEL);

try {
  const config = loadConfig(process.argv.slice(2));
  log.level = config.logLevel;
  const manager = await startManager(config, log);
  // As controller-runtime does: a replica that lost the lease exits and is restarted as a standby.
  void manager.lost.then((err) => {
    log.fatal({ err: err.message }, 'leader election lost; exiting');
    process.exit(1);
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    manager.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  log.fatal(
    { err: err instanceof Error ? { name: err.name, message: err.message } : String(err) },
    'controller failed to start',
  );
  process.exit(1);
}
