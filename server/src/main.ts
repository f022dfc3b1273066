// `npm start`: parse config, start everything on embedded defaults, print how to use the demo (or, in
// production, how to create the first service: never a password), and shut down in order on SIGTERM/SIGINT.
import { ConfigError, loadConfig, redactDatabaseUrl } from './config.js';
import { createLogger } from './log.js';
import { startServer } from './server.js';
import type { DemoCredentials } from './demo/seed.js';

function productionBanner(httpPort: number, mqttPort: number, publicUrl: string, noService: boolean): string {
  const lines = ['', `ODART responder system is up (production): app ${publicUrl} (HTTP port ${httpPort}), MQTT port ${mqttPort}`];
  if (noService) {
    lines.push(
      'No service yet. Create one and its first admin (the password is read from a prompt, stdin or --password-file):',
      '  npm run create-service -- --id <id> --name "<name>" --emergency-number <number> --admin-username <username>',
    );
  }
  return [...lines, ''].join('\n');
}

function banner(httpPort: number, mqttPort: number, publicUrl: string, demo: DemoCredentials | null, fromEnv: boolean): string {
  const lines = ['', `ODART responder system is up: app ${publicUrl} (HTTP port ${httpPort}), MQTT port ${mqttPort}`];
  if (demo) {
    lines.push('Demo service created. Sign in as:');
    for (const [user, pass] of Object.entries(demo.accounts))
      lines.push(`  ${user.padEnd(6)} password: ${fromEnv ? '(DEMO_PASSWORD)' : pass}`);
    if (!fromEnv) lines.push('  (random passwords, shown only this once; set DEMO_PASSWORD on an empty DATA_DIR to choose one)');
  }
  lines.push('Fire a simulated overdose from another shell (same env):  npm run simulate -- overdose', '');
  return lines.join('\n');
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.LOG_LEVEL);
  // Signal handlers first, so a SIGTERM during start-up still ends in an orderly shutdown.
  let server: Awaited<ReturnType<typeof startServer>> | null = null;
  let stopping: string | null = null;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = signal;
    if (!server) return; // start-up finishes first, then stops
    log.info({ signal }, 'shutting down');
    server.close().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  server = await startServer(config, { log });
  if (config.NODE_ENV === 'production') {
    process.stdout.write(productionBanner(server.httpPort, server.mqttPort, config.PUBLIC_URL, await server.repos.isEmpty()) + '\n');
    // A DATA_DIR that once ran the demo still pages its made-up numbers: say so loudly.
    if (await server.repos.serviceById('demo'))
      log.warn({ service: 'demo' }, 'the demo service exists in this production database; delete it or start on a fresh DATA_DIR');
  } else {
    process.stdout.write(
      banner(server.httpPort, server.mqttPort, config.PUBLIC_URL, server.demo, config.DEMO_PASSWORD !== undefined) + '\n',
    );
  }
  log.info(
    {
      host: config.HOST,
      httpPort: server.httpPort,
      mqttPort: server.mqttPort,
      mqttTlsPort: server.mqttTlsPort,
      nodeEnv: config.NODE_ENV ?? 'development',
      store: config.DATABASE_URL ? redactDatabaseUrl(config.DATABASE_URL) : 'sqlite',
    },
    'started',
  );
  if (stopping) {
    const signal = stopping;
    stopping = null;
    stop(signal);
  }
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));
}

main().catch((err: unknown) => {
  process.stderr.write(`start-up failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
