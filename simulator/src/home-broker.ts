// A home's local MQTT broker for `--off-the-shelf` (and its tests): Mosquitto 2 in a temp folder on
// a free loopback port, anonymous like a stock Zigbee2MQTT/ESPHome install. close() stops it and
// removes the folder. It runs under a watchdog shell that stops it when this process's end of a pipe
// closes, so a simulator that is killed (even with SIGKILL) leaves no broker behind.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const MOSQUITTO = process.env.MOSQUITTO_BIN ?? '/usr/sbin/mosquitto';

/**
 * `sh -c WATCHDOG _ mosquitto conf dir`: Mosquitto in the background, and a reader of the shell's stdin
 * (our pipe, kept on fd 3: a background list's own stdin is /dev/null) that stops it at end of file;
 * then the temp folder goes.
 */
const WATCHDOG =
  'exec 3<&0; "$1" -c "$2" </dev/null & m=$!; (read -r _ <&3; kill "$m" 2>/dev/null) & wait "$m"; s=$?; rm -rf "$3"; exit $s';

export interface HomeMosquitto {
  url: string;
  port: number;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export async function startHomeMosquitto(): Promise<HomeMosquitto> {
  if (!existsSync(MOSQUITTO))
    throw new Error(`--off-the-shelf needs Mosquitto (${MOSQUITTO}; apt-get install mosquitto) or --home-broker URL`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'odart-home-broker-'));
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      'log_dest stderr',
      'log_type error',
      'log_type notice',
      'log_type information',
      ...(asRoot ? ['user root'] : []),
      '',
    ].join('\n'),
  );
  const p = spawn('/bin/sh', ['-c', WATCHDOG, 'odart-home-broker', MOSQUITTO, conf, dir], { stdio: ['pipe', 'ignore', 'pipe'] });
  let log = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const onData = (c: Buffer) => {
        log = (log + c.toString('utf8')).slice(-10_000);
        if (/mosquitto version \S+ running/.test(log)) resolve();
      };
      p.stderr!.on('data', onData);
      p.once('exit', (code) => reject(new Error(`mosquitto exited (${code}) at start:\n${log}`)));
      p.once('error', reject);
    });
  } catch (err) {
    p.stdin!.end();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    async close() {
      if (p.exitCode === null) {
        await new Promise<void>((r) => {
          p.once('exit', () => r());
          p.stdin!.end(); // the watchdog stops Mosquitto; the shell ends with it
        });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
