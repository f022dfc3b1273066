// Enrolment in bulk: services, users, chains, wearers with their responders, devices and gateway
// registrations written in one transaction (the demo seed, bulk enrolment), in foreign-key order and in
// chunks that stay under SQLite's variable limit.
import type { Insertable } from 'kysely';
import type { Db } from './db.js';
import type {
  ChainsTable,
  DevicesTable,
  GatewayDevicesTable,
  ServicesTable,
  UsersTable,
  WearerRespondersTable,
  WearersTable,
} from './schema.js';

export interface Enrolment {
  services?: Insertable<ServicesTable>[];
  users?: Insertable<UsersTable>[];
  chains?: Insertable<ChainsTable>[];
  wearers?: Insertable<WearersTable>[];
  responders?: Insertable<WearerRespondersTable>[];
  devices?: Insertable<DevicesTable>[];
  gatewayDevices?: Insertable<GatewayDevicesTable>[];
}

const CHUNK = 400;
function chunks<T>(xs: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += CHUNK) out.push(xs.slice(i, i + CHUNK));
  return out;
}

/** Inserts all of it or none of it. */
export async function insertEnrolment(db: Db, e: Enrolment): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const part of chunks(e.services ?? [])) await trx.insertInto('services').values(part).execute();
    for (const part of chunks(e.users ?? [])) await trx.insertInto('users').values(part).execute();
    for (const part of chunks(e.chains ?? [])) await trx.insertInto('chains').values(part).execute();
    for (const part of chunks(e.wearers ?? [])) await trx.insertInto('wearers').values(part).execute();
    for (const part of chunks(e.responders ?? [])) await trx.insertInto('wearer_responders').values(part).execute();
    for (const part of chunks(e.devices ?? [])) await trx.insertInto('devices').values(part).execute();
    for (const part of chunks(e.gatewayDevices ?? [])) await trx.insertInto('gateway_devices').values(part).execute();
  });
}
