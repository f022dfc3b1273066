// The whole system (`server/src/main.ts`) as a child process: for crash tests (kill -9) and
// benchmarks. Resolves once its banner names the ports it bound.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface ServerProcess {
  proc: ChildProcess;
  base: string;
  httpPort: number;
  mqttPort: number;
  mqttUrl: string;
  /** wall-clock ms when the banner appeared */
  readyAt: number;
  exited: Promise<number | null>;
  /** what it printed so far on stdout and stderr (the last 500,000 characters): its log lines, for a test to read */
  output(): string;
}

const running = new Set<ChildProcess>();

/** SIGKILLs every server process this helper started that is still alive (for afterEach). */
export function killServerProcesses(): void {
  for (const p of running) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  running.clear();
}

export interface ServerProcessOptions {
  inheritEnv?: boolean;
  /** extra Node flags (e.g. --cpu-prof) */
  nodeArgs?: string[];
  /** a command the server runs under (e.g. ['taskset', '-c', '0'] to pin it to one core) */
  wrap?: string[];
}

export async function startServerProcess(env: Record<string, string>, opts: ServerProcessOptions = {}): Promise<ServerProcess> {
  const base = opts.inheritEnv === false ? { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' } : process.env;
  const argv = [...(opts.nodeArgs ?? []), '--import', 'tsx', path.join(ROOT, 'server/src/main.ts')];
  const [cmd, ...rest] = opts.wrap?.length ? [...opts.wrap, process.execPath, ...argv] : [process.execPath, ...argv];
  const proc = spawn(cmd!, rest, {
    cwd: ROOT,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  void exited.then(() => running.delete(proc));
  let out = '';
  const ports = await new Promise<{ http: number; mqtt: number }>((resolve, reject) => {
    const onData = (b: Buffer) => {
      out = (out + b.toString()).slice(-500_000);
      const m = /HTTP port (\d+)\), MQTT port (\d+)/.exec(out);
      if (m) resolve({ http: Number(m[1]), mqtt: Number(m[2]) });
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`server exited early (${code}): ${out.slice(-3000)}`)));
  });
  return {
    proc,
    httpPort: ports.http,
    mqttPort: ports.mqtt,
    base: `http://127.0.0.1:${ports.http}`,
    mqttUrl: `mqtt://127.0.0.1:${ports.mqtt}`,
    readyAt: Date.now(),
    exited,
    output: () => out,
  };
}
