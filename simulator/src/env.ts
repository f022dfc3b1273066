// Connection settings shared by the simulator commands: the same env as `npm start`.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export function mqttUrl(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MQTT_URL) return env.MQTT_URL;
  return `mqtt://127.0.0.1:${env.MQTT_PORT || '1883'}`;
}

/**
 * CA certificates (PEM) to trust for mqtts:// from MQTT_CA_FILE (e.g. the server's own TLS_CERT_FILE
 * when it is self-signed); undefined = the system's CAs. The server's certificate is always verified.
 */
export function mqttCa(env: NodeJS.ProcessEnv = process.env): Buffer | undefined {
  const file = env.MQTT_CA_FILE;
  if (!file) return undefined;
  const pem = readFileSync(file);
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`MQTT_CA_FILE: ${file} holds no PEM certificate`);
  return pem;
}

/**
 * A device's secret: DEVICE_SECRETS as JSON {"id":"secret"}, else DEMO_DEVICE_SECRET (every demo
 * device secret when the demo was seeded with it), else the per-device secret the demo seed left in
 * DATA_DIR/demo-credentials.json (mode 0600). DEMO_PASSWORD is an account password, never a device's.
 */
export function deviceSecret(deviceId: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.DEVICE_SECRETS) {
    const map = JSON.parse(env.DEVICE_SECRETS) as Record<string, string>;
    if (map[deviceId]) return map[deviceId];
  }
  if (env.DEMO_DEVICE_SECRET) return env.DEMO_DEVICE_SECRET;
  const file = path.join(env.DATA_DIR || './data', 'demo-credentials.json');
  if (existsSync(file)) {
    const creds = JSON.parse(readFileSync(file, 'utf8')) as { devices?: Record<string, string> };
    const s = creds.devices?.[deviceId];
    if (s) return s;
  }
  throw new Error(
    `no secret for device "${deviceId}": run from the folder (and DATA_DIR) of npm start, whose DATA_DIR holds demo-credentials.json, or set DEVICE_SECRETS or DEMO_DEVICE_SECRET`,
  );
}

/** Base URL of the running system's HTTP API (API_URL, else loopback on HTTP_PORT). */
export function httpBase(env: NodeJS.ProcessEnv = process.env): string {
  if (env.API_URL) return env.API_URL.replace(/\/+$/, '');
  return `http://127.0.0.1:${env.HTTP_PORT || '3000'}`;
}

/** The admin the simulator provisions with: ADMIN_USER/ADMIN_PASSWORD, else the demo admin with DEMO_PASSWORD. */
export function adminCredentials(env: NodeJS.ProcessEnv = process.env): { username: string; password: string } {
  const username = env.ADMIN_USER || 'admin';
  const password = env.ADMIN_PASSWORD || env.DEMO_PASSWORD;
  if (!password) {
    throw new Error('no admin password: set ADMIN_USER and ADMIN_PASSWORD (a service admin), or DEMO_PASSWORD for the demo admin');
  }
  return { username, password };
}
