// `npm run create-service` (security issue 9): an operator creates a service and its first admin on the
// DATA_DIR of a running server (SQLite WAL); the password comes from stdin or --password-file and is
// never printed; bad input exits 2 naming the option, an existing id or username exits 1, nothing half-made.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { api, login, startTestServer, type TestServer } from './helpers/server.js';

const root = path.resolve(import.meta.dirname, '..');
const PASSWORD = 'correct-horse-battery';

let ts: TestServer;
let tmp: string;
beforeEach(async () => {
  ts = await startTestServer();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'odart-onboard-'));
});
afterEach(async () => {
  await ts.close();
  rmSync(tmp, { recursive: true, force: true });
});

function run(args: string[], opts: { stdin?: string; npm?: boolean } = {}): Promise<{ code: number | null; out: string }> {
  const [cmd, argv] = opts.npm
    ? ['npm', ['run', '--silent', 'create-service', '--', ...args]]
    : [process.execPath, ['--import', 'tsx', 'server/src/onboarding/cli.ts', ...args]];
  const child = spawn(cmd, argv, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATA_DIR: ts.dataDir },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  child.stdin.end(opts.stdin ?? '');
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out })));
}

const hostel = ['--id', 'hostel-north', '--name', 'Hostel North', '--emergency-number', '999', '--admin-username', 'jane'];

describe('npm run create-service', () => {
  it('creates the service and its admin while the server runs; the admin signs in and sees only their own service', async () => {
    const r = await run(hostel, { stdin: `${PASSWORD}\n`, npm: true });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('hostel-north');
    expect(r.out).not.toContain(PASSWORD);

    const cookie = await login(ts.base, 'jane', PASSWORD);
    const me = await api<{ user: { username: string; role: string; serviceId?: string } }>(ts.base, cookie, 'GET', '/api/me');
    expect(me.body.user).toMatchObject({ username: 'jane', role: 'admin' });
    expect(await ts.server.repos.serviceById('hostel-north')).toMatchObject({ name: 'Hostel North', emergency_number: '999' });
    const users = await api<{ username: string }[]>(ts.base, cookie, 'GET', '/api/admin/users');
    expect(users.body.map((u) => u.username)).toEqual(['jane']);
    const wearers = await api<unknown[]>(ts.base, cookie, 'GET', '/api/admin/wearers');
    expect(wearers.body).toEqual([]);
  });

  it('reads the password from --password-file (first line) and takes a display name and phone', async () => {
    const file = path.join(tmp, 'pw');
    writeFileSync(file, `${PASSWORD}\n`, { mode: 0o600 });
    const r = await run([
      '--id',
      'east',
      '--name',
      'East',
      '--emergency-number',
      '112',
      '--admin-username',
      'kim',
      '--admin-name',
      'Kim Lee',
      '--admin-phone',
      '+447700900555',
      '--password-file',
      file,
    ]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).not.toContain(PASSWORD);
    await login(ts.base, 'kim', PASSWORD);
    expect(await ts.server.repos.userByUsername('kim')).toMatchObject({
      service_id: 'east',
      role: 'admin',
      display_name: 'Kim Lee',
      phone: '+447700900555',
    });
  });

  it.each([
    [['--name', 'X', '--emergency-number', '999', '--admin-username', 'jane'], '--id'],
    [['--id', 'Bad Id!', '--name', 'X', '--emergency-number', '999', '--admin-username', 'jane'], '--id'],
    [['--id', 'x1', '--name', 'X', '--emergency-number', 'nine', '--admin-username', 'jane'], '--emergency-number'],
    [['--id', 'x1', '--name', 'X', '--emergency-number', '999', '--admin-username', 'Jane Doe'], '--admin-username'],
    [['--id', 'x1', '--name', 'X', '--emergency-number', '999', '--admin-username', 'jane', '--admin-phone', '07700'], '--admin-phone'],
    [['--id', 'x1', '--name', 'X', '--emergency-number', '999', '--admin-username', 'jane', '--bogus', '1'], '--bogus'],
  ])('bad input %j exits 2 naming %s and creates nothing', async (args, named) => {
    const r = await run(args, { stdin: `${PASSWORD}\n` });
    expect(r.code, r.out).toBe(2);
    expect(r.out).toContain(named);
    expect(await ts.server.repos.userByUsername('jane')).toBeUndefined();
  });

  it('a short or missing password exits 2 and creates nothing', async () => {
    const short = await run(hostel, { stdin: 'short\n' });
    expect(short.code, short.out).toBe(2);
    expect(short.out).toMatch(/password.*at least 10/i);
    expect(short.out).not.toContain('short\n');
    const none = await run(hostel, { stdin: '' });
    expect(none.code, none.out).toBe(2);
    expect(await ts.server.repos.serviceById('hostel-north')).toBeUndefined();
  });

  it('an existing service id or username exits 1 and leaves no half-made service', async () => {
    expect((await run(hostel, { stdin: `${PASSWORD}\n` })).code).toBe(0);
    const again = await run(hostel, { stdin: `${PASSWORD}\n` });
    expect(again.code, again.out).toBe(1);
    expect(again.out).toContain('hostel-north');
    const taken = await run(['--id', 'south', '--name', 'South', '--emergency-number', '999', '--admin-username', 'alex'], {
      stdin: `${PASSWORD}\n`,
    });
    expect(taken.code, taken.out).toBe(1);
    expect(taken.out).toContain('alex');
    expect(await ts.server.repos.serviceById('south')).toBeUndefined();
  });
});
