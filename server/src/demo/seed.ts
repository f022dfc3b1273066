// Demo seed (contract): on an empty database, service `demo` with admin `admin`, responders `alex`
// and `sam`, wearer `demo-wearer` with devices `demo-wrist` and `demo-room`, and the demo chain.
// Account passwords are DEMO_PASSWORD when set, else random and printed once by main. Device secrets are
// never a password: DEMO_DEVICE_SECRET when set (dev/test), else random; both kinds land in
// DATA_DIR/demo-credentials.json for the simulator and bridge. The demo gateway `demo-gateway` may
// publish for demo-wrist and demo-room (firmware bridge, docs/firmware-protocol.md). Never in production.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEVICE_SECRET_COST, PASSWORD_COST, generateSecret, hashSecret, type ScryptCost } from '../auth/secrets.js';
import type { ChainDefinition } from '../escalation/index.js';
import type { Repos } from '../store/index.js';

export interface DemoCredentials {
  accounts: Record<'admin' | 'alex' | 'sam', string>;
  devices: Record<'demo-wrist' | 'demo-room' | 'demo-gateway', string>;
}

export const DEMO_FILE = 'demo-credentials.json';

/** The demo chain (contract): alex, wait 60 s, sam, wait 60 s, the emergency contact. `evaluate` uses its timings. */
export const DEMO_CHAIN: ChainDefinition = {
  steps: [
    { targets: [{ type: 'responder', id: 'alex' }], channels: ['app', 'sms'], waitS: 60 },
    { targets: [{ type: 'responder', id: 'sam' }], channels: ['app', 'sms'], waitS: 60 },
    { targets: [{ type: 'emergency_contact' }], channels: ['sms'], waitS: 0 },
  ],
};

export interface SeedOptions {
  demoPassword?: string | undefined;
  demoDeviceSecret?: string | undefined;
  now: number;
  dataDir: string;
  passwordCost?: ScryptCost;
}

export async function seedDemo(repos: Repos, opts: SeedOptions): Promise<DemoCredentials | null> {
  if (!(await repos.isEmpty())) return null;
  const pw = () => opts.demoPassword ?? generateSecret(12);
  // A device secret sits in firmware and config files; the admin's password must not be one of them.
  const dev = () => opts.demoDeviceSecret ?? generateSecret(18);
  const creds: DemoCredentials = {
    accounts: { admin: pw(), alex: pw(), sam: pw() },
    devices: { 'demo-wrist': dev(), 'demo-room': dev(), 'demo-gateway': dev() },
  };
  const now = opts.now;
  const users = [];
  for (const u of [
    { id: 'admin', username: 'admin', role: 'admin' as const, display_name: 'Service admin', phone: null },
    { id: 'alex', username: 'alex', role: 'responder' as const, display_name: 'Alex', phone: '+447700900101' },
    { id: 'sam', username: 'sam', role: 'responder' as const, display_name: 'Sam', phone: '+447700900102' },
  ]) {
    // One at a time: each password hash takes a lot of memory at full cost.
    users.push({
      ...u,
      service_id: 'demo',
      on_duty: 1,
      created_at: now,
      password_hash: await hashSecret(creds.accounts[u.id as keyof DemoCredentials['accounts']], opts.passwordCost ?? PASSWORD_COST),
    });
  }
  const devices = [];
  for (const [id, kind] of [
    ['demo-wrist', 'wearable'],
    ['demo-room', 'room'],
  ] as const) {
    devices.push({
      id,
      service_id: 'demo',
      wearer_id: 'demo-wearer',
      kind,
      secret_hash: await hashSecret(creds.devices[id], DEVICE_SECRET_COST),
      last_seen_at: null,
      battery: null,
      online: 0,
      created_at: now,
    });
  }
  devices.push({
    id: 'demo-gateway',
    service_id: 'demo',
    wearer_id: null,
    kind: 'gateway' as const,
    secret_hash: await hashSecret(creds.devices['demo-gateway'], DEVICE_SECRET_COST),
    last_seen_at: null,
    battery: null,
    online: 0,
    created_at: now,
  });
  // The hashes are made first, so the one transaction below holds no slow work.
  await repos.enrol({
    services: [{ id: 'demo', name: 'Demo service', emergency_number: '999', created_at: now }],
    users,
    chains: [
      {
        id: 'demo-chain',
        service_id: 'demo',
        name: 'Demo chain',
        definition: JSON.stringify(DEMO_CHAIN),
        created_at: now,
        updated_at: now,
      },
    ],
    wearers: [
      {
        id: 'demo-wearer',
        service_id: 'demo',
        alias: 'Jo',
        address: 'Flat 2, 14 Example Street, Glasgow',
        access_notes: 'Key safe by the door, code from the service',
        phone: null,
        emergency_contact_phone: '+447700900199',
        chain_id: 'demo-chain',
        consent: 'active',
        thresholds: null,
        created_at: now,
      },
    ],
    responders: ['alex', 'sam'].map((r) => ({ wearer_id: 'demo-wearer', user_id: r })),
    devices,
    gatewayDevices: ['demo-wrist', 'demo-room'].map((device_id) => ({ gateway_id: 'demo-gateway', device_id, created_at: now })),
  });
  if (opts.dataDir !== ':memory:') {
    // Lets `npm run simulate` on this machine find the random device secrets; readable by this user only.
    writeFileSync(path.join(opts.dataDir, DEMO_FILE), JSON.stringify({ devices: creds.devices }, null, 2) + '\n', { mode: 0o600 });
  }
  return creds;
}
