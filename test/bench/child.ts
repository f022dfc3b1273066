// Bench plumbing: run the real server (or a bare broker, or Mosquitto) as a child process on
// loopback, read its ports from its banner, sample its resident memory.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServerProcess, type ServerProcessOptions } from '../helpers/server-process.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface Child {
  proc: ChildProcess;
  httpPort: number;
  mqttPort: number;
  dataDir: string | null;
  rssBytes(): number;
  /** CPU time (user + system) the process has used, seconds */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** Resident memory of a process (VmRSS from /proc), bytes; 0 when it is gone. */
export function rssOf(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU time (user + system) a process has used, seconds (/proc/<pid>/stat). */
export function cpuOf(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    // fields after the ")" of the command name: utime and stime are the 12th and 13th
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(')').at(-1)!.trim().split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

function waitForLine(proc: ChildProcess, re: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}: ${buf.slice(-2000)}`)), timeoutMs);
    const onData = (d: Buffer) => {
      buf += d.toString();
      const m = re.exec(buf);
      if (m) {
        clearTimeout(timer);
        proc.stdout?.off('data', onData);
        resolve(m);
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', (d: Buffer) => (buf += d.toString()));
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before ${re}: ${buf.slice(-2000)}`));
    });
  });
}

async function stopProc(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  proc.kill('SIGTERM');
  const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}

/** The whole system (`server/src/main.ts`) on random loopback ports with a fresh DATA_DIR. */
export async function startServerChild(
  env: Record<string, string> = {},
  opts: Omit<ServerProcessOptions, 'inheritEnv'> = {},
): Promise<Child> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'odart-bench-'));
  // Load comes from one loopback address: no per-address connection limit.
  const p = await startServerProcess(
    {
      HTTP_PORT: '0',
      MQTT_PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      MQTT_MAX_CONNECTIONS_PER_ADDRESS: '0',
      ...env,
    },
    { ...opts, inheritEnv: false },
  );
  p.proc.stdout?.resume();
  p.proc.stderr?.resume();
  return {
    proc: p.proc,
    httpPort: p.httpPort,
    mqttPort: p.mqttPort,
    dataDir,
    rssBytes: () => rssOf(p.proc.pid),
    cpuSeconds: () => cpuOf(p.proc.pid),
    async stop() {
      await stopProc(p.proc);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The embedded broker alone (aedes, same options, no auth, no processing). */
export async function startBrokerOnlyChild(): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/bench/broker-only.ts'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout?.resume();
  proc.stderr?.resume();
  const m = await waitForLine(proc, /MQTT port (\d+)/, 30_000);
  return {
    proc,
    httpPort: 0,
    mqttPort: Number(m[1]),
    dataDir: null,
    rssBytes: () => rssOf(proc.pid),
    cpuSeconds: () => cpuOf(proc.pid),
    stop: () => stopProc(proc),
  };
}

export function mosquittoPath(): string | null {
  for (const p of ['/usr/sbin/mosquitto', '/usr/bin/mosquitto']) {
    try {
      readFileSync(p);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

/** Debian's Mosquitto on a loopback port, when installed. */
export async function startMosquittoChild(port: number): Promise<Child | null> {
  const bin = mosquittoPath();
  if (!bin) return null;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'odart-mosq-'));
  const conf = path.join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_type error\nmax_queued_messages 100000\n`);
  const proc = spawn(bin, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout?.resume();
  proc.stderr?.resume();
  // Mosquitto prints nothing on success at this log level: wait until the port answers.
  const net = await import('node:net');
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    proc,
    httpPort: 0,
    mqttPort: port,
    dataDir: dir,
    rssBytes: () => rssOf(proc.pid),
    cpuSeconds: () => cpuOf(proc.pid),
    async stop() {
      await stopProc(proc);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * N connections publishing vitals at `hz` from a child process (test/bench/load-child.ts), optionally
 * pinned to some cores with taskset. Resolves once every connection is up and publishing.
 */
export async function startLoadChild(
  job: { host: string; port: number; creds: { id: string; secret?: string }[]; hz: number },
  cores?: string,
): Promise<{ pid: number; stop(): Promise<{ ratePerSec: number; published: number }> }> {
  const argv = ['--import', 'tsx', path.join(ROOT, 'test/bench/load-child.ts')];
  const proc = cores
    ? spawn('taskset', ['-c', cores, process.execPath, ...argv], { cwd: ROOT, stdio: ['pipe', 'inherit', 'inherit', 'ipc'] })
    : spawn(process.execPath, argv, { cwd: ROOT, stdio: ['pipe', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const next = (type: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const onMsg = (m: Record<string, unknown>) => {
        if (m.type !== type) return;
        proc.off('message', onMsg);
        resolve(m);
      };
      proc.on('message', onMsg);
      void exited.then(() => reject(new Error(`load child exited before "${type}"`)));
    });
  const ready = next('ready');
  proc.stdin!.end(JSON.stringify(job));
  await ready;
  return {
    pid: proc.pid!,
    async stop() {
      const stopped = next('stopped');
      proc.send({ type: 'stop' });
      const m = await stopped;
      await exited;
      return { ratePerSec: Number(m.ratePerSec), published: Number(m.published) };
    },
  };
}

export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export function percentile(xs: number[], p: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
