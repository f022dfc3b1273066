// Gateway -> device registrations (which devices a gateway may publish for), for the broker ACL
// and the admin API. A device may sit behind several gateways (e.g. two rooms); gateway and device
// always belong to the same service, checked when registering and again on every ACL read.
import type { Db } from './db.js';

export function createGatewayRepo(db: Db) {
  /** registrations whose gateway and device are live devices of one service */
  const sameService = () =>
    db
      .selectFrom('gateway_devices as gd')
      .innerJoin('devices as g', 'g.id', 'gd.gateway_id')
      .innerJoin('devices as dev', 'dev.id', 'gd.device_id')
      .whereRef('g.service_id', '=', 'dev.service_id')
      .where('g.kind', '=', 'gateway');
  return {
    /** The gateways registered for any of these devices. */
    async gatewaysRelaying(deviceIds: readonly string[]): Promise<string[]> {
      if (deviceIds.length === 0) return [];
      const out = new Set<string>();
      for (let i = 0; i < deviceIds.length; i += 500) {
        const rows = await sameService()
          .select('gd.gateway_id')
          .where('gd.device_id', 'in', deviceIds.slice(i, i + 500))
          .execute();
        for (const r of rows) out.add(r.gateway_id);
      }
      return [...out].sort();
    },
    async devicesForGateway(gatewayId: string): Promise<string[]> {
      const rows = await sameService().select('gd.device_id').where('gd.gateway_id', '=', gatewayId).orderBy('gd.device_id').execute();
      return rows.map((r) => r.device_id);
    },
    async gatewayMayPublishFor(gatewayId: string, deviceId: string): Promise<boolean> {
      const row = await sameService()
        .select('gd.device_id')
        .where('gd.gateway_id', '=', gatewayId)
        .where('gd.device_id', '=', deviceId)
        .executeTakeFirst();
      return row !== undefined;
    },
    /** Throws unless gatewayId is a gateway and both devices belong to the same service. */
    async addGatewayDevice(gatewayId: string, deviceId: string, now: number): Promise<void> {
      const rows = await db.selectFrom('devices').select(['id', 'service_id', 'kind']).where('id', 'in', [gatewayId, deviceId]).execute();
      const gw = rows.find((r) => r.id === gatewayId);
      const dev = rows.find((r) => r.id === deviceId);
      if (!gw || gw.kind !== 'gateway' || !dev || gw.service_id !== dev.service_id) {
        throw new Error('a gateway may only be registered for a device of the same service');
      }
      await db
        .insertInto('gateway_devices')
        .values({ gateway_id: gatewayId, device_id: deviceId, created_at: now })
        .onConflict((oc) => oc.columns(['gateway_id', 'device_id']).doNothing())
        .execute();
    },
    async removeGatewayDevice(gatewayId: string, deviceId: string): Promise<void> {
      await db.deleteFrom('gateway_devices').where('gateway_id', '=', gatewayId).where('device_id', '=', deviceId).execute();
    },
  };
}

export type GatewayRepo = ReturnType<typeof createGatewayRepo>;
