// Gateway -> device registrations (which devices a gateway may publish for), for the broker ACL
// and the admin API. A device may sit behind several gateways (e.g. two rooms).
import type { Db } from './db.js';

export function createGatewayRepo(db: Db) {
  return {
    async devicesForGateway(gatewayId: string): Promise<string[]> {
      const rows = await db.selectFrom('gateway_devices').select('device_id').where('gateway_id', '=', gatewayId).orderBy('device_id').execute();
      return rows.map((r) => r.device_id);
    },
    async gatewayMayPublishFor(gatewayId: string, deviceId: string): Promise<boolean> {
      const row = await db.selectFrom('gateway_devices').select('device_id').where('gateway_id', '=', gatewayId).where('device_id', '=', deviceId).executeTakeFirst();
      return row !== undefined;
    },
    async addGatewayDevice(gatewayId: string, deviceId: string, now: number): Promise<void> {
      await db.insertInto('gateway_devices').values({ gateway_id: gatewayId, device_id: deviceId, created_at: now })
        .onConflict((oc) => oc.columns(['gateway_id', 'device_id']).doNothing()).execute();
    },
    async removeGatewayDevice(gatewayId: string, deviceId: string): Promise<void> {
      await db.deleteFrom('gateway_devices').where('gateway_id', '=', gatewayId).where('device_id', '=', deviceId).execute();
    },
  };
}

export type GatewayRepo = ReturnType<typeof createGatewayRepo>;
