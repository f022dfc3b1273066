// SQLite busy/locked: another process holds the database's write lock while an alert is raised.
// The server waits (busy_timeout) or retries with backoff; the alert is not lost.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { settle, startTestServer, type TestServer } from '../helpers/server.js';

let ts: TestServer | null = null;
afterEach(async () => {
  await ts?.close();
});

/** Holds an exclusive lock on the database from a separate process for `ms`, then releases it. */
function holdLock(file: string, ms: number): Promise<{ release: Promise<number | null> }> {
  const code = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.exec('BEGIN EXCLUSIVE');
    process.stdout.write('locked\\n');
    setTimeout(() => { db.exec('COMMIT'); db.close(); process.exit(0); }, Number(process.argv[2]));
  `;
  const child = spawn(process.execPath, ['-e', code, file, String(ms)], {
    cwd: path.resolve(import.meta.dirname, '../..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const release = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve({ release }));
    child.once('error', reject);
  });
}

describe('SQLite busy/locked', () => {
  it.each([[1_500], [7_000]])('an alert raised while another process holds the write lock for %i ms still lands', async (ms) => {
    ts = await startTestServer();
    const lock = await holdLock(path.join(ts.dataDir, 'odart.sqlite'), ms);
    const decisions = ts.server.engine.ingest('demo-wearer', {
      t: ts.clock.now(),
      deviceId: 'demo-wrist',
      message: { stream: 'button', data: { action: 'help' } },
    });
    const handled = ts.server.alerts.handle(decisions);
    let done = false;
    void handled.then(() => {
      done = true;
    });
    // Past busy_timeout the store throws SQLITE_BUSY: the retry backoff runs on the virtual clock.
    while (!done) {
      ts.clock.advance(1000);
      await new Promise<void>((r) => setImmediate(r));
    }
    expect(await lock.release).toBe(0);
    await settle(ts);
    const alert = await ts.server.repos.openAlertForWearer('demo-wearer');
    expect(alert?.state).toBe('escalating');
  });
});
