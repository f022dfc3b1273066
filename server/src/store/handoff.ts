// Alarm-centre hand-off endpoints (migration 0022_handoff): per service, where a hand-off page is
// POSTed, the secret both directions are signed with, and the format (JSON or CAP 1.2). The admin
// routes manage them; the hand-off channel (notify/handoff/) reads one when it sends.
import type { Selectable } from 'kysely';
import type { Db } from './db.js';
import type { HandoffEndpointsTable } from './schema.js';

export type HandoffEndpointRow = Selectable<HandoffEndpointsTable>;

export function createHandoffRepo(db: Db) {
  return {
    async insertHandoffEndpoint(row: HandoffEndpointRow): Promise<void> {
      await db.insertInto('handoff_endpoints').values(row).execute();
    },
    async handoffEndpointById(id: string): Promise<HandoffEndpointRow | undefined> {
      return db.selectFrom('handoff_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async handoffEndpointsOf(serviceId: string): Promise<HandoffEndpointRow[]> {
      return db
        .selectFrom('handoff_endpoints')
        .selectAll()
        .where('service_id', '=', serviceId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
    },
    /** Updates the service's endpoint; the row as it is now, or undefined when the service has no such endpoint. */
    async updateHandoffEndpoint(
      serviceId: string,
      id: string,
      patch: Partial<Pick<HandoffEndpointRow, 'name' | 'url' | 'secret' | 'format'>> & { updated_at: number },
    ): Promise<HandoffEndpointRow | undefined> {
      return db
        .updateTable('handoff_endpoints')
        .set(patch)
        .where('id', '=', id)
        .where('service_id', '=', serviceId)
        .returningAll()
        .executeTakeFirst();
    },
    async deleteHandoffEndpoint(serviceId: string, id: string): Promise<boolean> {
      const res = await db.deleteFrom('handoff_endpoints').where('id', '=', id).where('service_id', '=', serviceId).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
  };
}

export type HandoffRepo = ReturnType<typeof createHandoffRepo>;
