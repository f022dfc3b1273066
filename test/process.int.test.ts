// `npm start` as a real process: config errors stop it naming the variable; the demo seed runs once
// and prints how to sign in; /healthz answers 200; SIGTERM shuts down cleanly (exit 0); with
// NODE_ENV=production: no seed, no password printed, loopback unless HOST, no fake SMS.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const dirs: string[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  // A failed test must not leave a server running.
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function start(env: Record<string, string>): { child: ChildProcess; out: () => string; err: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, out: () => out, err: () => err, exited };
}

async function waitFor(get: () => string, re: RegExp, exited: Promise<unknown>): Promise<RegExpExecArray> {
  let done = false;
  void exited.then(() => {
    done = true;
  });
  for (;;) {
    const m = re.exec(get());
    if (m) return m;
    if (done) throw new Error(`process exited before ${re}: ${get()}`);
    await new Promise<void>((r) => setImmediate(r));
  }
}

describe('npm start as a process', () => {
  it('a bad setting stops start-up with the variable name', async () => {
    const p = start({ HTTP_PORT: 'eighty', DATA_DIR: path.join(os.tmpdir(), 'never-created') });
    expect(await p.exited).toBe(2);
    expect(p.err()).toContain('HTTP_PORT');
  });

  it('seeds once, prints sign-in help, serves /healthz, and exits 0 on SIGTERM', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'odart-proc-'));
    dirs.push(dataDir);
    const env = { HTTP_PORT: '0', MQTT_PORT: '0', DATA_DIR: dataDir };
    const p = start(env);
    const m = await waitFor(p.out, /HTTP port (\d+)\), MQTT port (\d+)/, p.exited);
    expect(p.out()).toMatch(/alex\s+password: \S+/);
    expect(p.out()).toContain('npm run simulate -- overdose');
    const creds = path.join(dataDir, 'demo-credentials.json');
    expect(statSync(creds).mode & 0o777).toBe(0o600);
    expect(Object.keys((JSON.parse(readFileSync(creds, 'utf8')) as { devices: object }).devices).sort()).toEqual([
      'demo-gateway',
      'demo-room',
      'demo-wrist',
    ]);
    const health = await fetch(`http://127.0.0.1:${m[1]}/healthz`);
    expect(health.status).toBe(200);
    p.child.kill('SIGTERM');
    const code = await p.exited;
    expect(code, p.out() + p.err()).toBe(0);
    expect(p.out()).toContain('"msg":"stopped"');

    // A second start on the same data does not seed again.
    const q = start(env);
    await waitFor(q.out, /HTTP port (\d+)/, q.exited);
    expect(q.out()).not.toContain('Demo service created');
    q.child.kill('SIGTERM');
    expect(await q.exited).toBe(0);
  });

  it('NODE_ENV=production without Twilio exits 2 naming the settings (no fake SMS in production)', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'odart-proc-'));
    dirs.push(dataDir);
    const p = start({ NODE_ENV: 'production', HTTP_PORT: '0', MQTT_PORT: '0', DATA_DIR: dataDir });
    const first = await Promise.race([
      p.exited,
      waitFor(p.out, /HTTP port/, p.exited).then(
        () => 'started',
        () => 'exited',
      ),
    ]);
    expect(first, 'the server started with the fake SMS outbox').not.toBe('started');
    expect(await p.exited).toBe(2);
    expect(p.err()).toMatch(/TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM: required with NODE_ENV=production/);
    expect(existsSync(path.join(dataDir, 'odart.sqlite'))).toBe(false);
  });

  it('NODE_ENV=production on an empty DATA_DIR: no demo seed, no password printed, loopback only, onboarding hint', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'odart-proc-'));
    dirs.push(dataDir);
    const p = start({
      NODE_ENV: 'production',
      HOST: '',
      HTTP_PORT: '0',
      MQTT_PORT: '0',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'debug',
      // Never contacted: an empty database has nobody to page.
      TWILIO_ACCOUNT_SID: 'AC' + 'a'.repeat(32),
      TWILIO_AUTH_TOKEN: 'not-a-real-token',
      TWILIO_FROM: '+447700900000',
      TWILIO_BASE_URL: 'http://127.0.0.1:9',
    });
    const m = await waitFor(p.out, /"msg":"started"/, p.exited);
    expect(m).toBeTruthy();
    const all = p.out() + p.err();
    expect(all).not.toContain('Demo service created');
    expect(all).not.toMatch(/password: /i);
    expect(all).not.toContain('not-a-real-token');
    expect(all).toContain('npm run create-service');
    expect(all).toContain('"host":"127.0.0.1"');
    expect(existsSync(path.join(dataDir, 'demo-credentials.json'))).toBe(false);
    p.child.kill('SIGTERM');
    expect(await p.exited, all).toBe(0);
  });
});
