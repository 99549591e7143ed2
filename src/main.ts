import 'reflect-metadata';
import { createHttpApp, createWorkerApp } from './app.factory.js';
import { ConfigError, loadConfig } from './config/app-config.js';
import { createRootLogger } from './common/logger.js';
import { armShutdownWatchdog } from './common/shutdown-watchdog.js';
import { ensureDatabase, runMigrations } from './infra/database/data-source.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Configuration error: ${err.message}`);
      process.exit(78);
    }
    throw err;
  }
  const log = createRootLogger(config.logLevel);
  // Armed once the app handles stop signals: a listener of its own would keep a signal during start-up (migrations)
  // from ending the process at once.
  const watchdog = () =>
    armShutdownWatchdog({
      timeoutMs: config.shutdownTimeoutMs,
      onTimeout: (ms) => log.error({ timeoutMs: ms }, 'shutdown did not finish in time (is Redis or PostgreSQL unreachable?); exiting'),
      onSignal: (signal) => log.info({ signal, timeoutMs: config.shutdownTimeoutMs }, 'stopping: finishing the work under way'),
    });
  if (config.runMigrations) {
    await ensureDatabase(config.databaseUrl);
    const applied = await runMigrations(config.databaseUrl);
    if (applied.length) log.info({ applied }, 'migrations applied');
  }
  if (config.processRole === 'worker') {
    await createWorkerApp(config, log);
    watchdog();
    log.info({ role: 'worker' }, 'worker started');
    return;
  }
  const app = await createHttpApp(config, log);
  watchdog();
  await app.listen({ port: config.port, host: config.host });
  log.info({ role: config.processRole, url: `http://localhost:${config.port}`, docs: `${config.publicBaseUrl}/docs` }, 'nurture engine listening');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
