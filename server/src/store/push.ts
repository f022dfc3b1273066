// Web Push subscriptions (migration 0018_push_subscriptions): what the app's service worker registered
// for a signed-in user, read by the push channel (notify/push/) when a page goes out. The endpoint is
// the key: a browser that subscribes again, or for another user on the same phone, takes the row over.
import type { Selectable } from 'kysely';
import type { Db } from './db.js';
import type { PushSubscriptionsTable } from './schema.js';

export type PushSubscriptionRow = Selectable<PushSubscriptionsTable>;

export function createPushRepo(db: Db) {
  return {
    /** Stores (or takes over) a subscription for the user; the failure count starts again. */
    async savePushSubscription(s: { userId: string; endpoint: string; p256dh: string; auth: string; now: number }): Promise<void> {
      await db
        .insertInto('push_subscriptions')
        .values({
          endpoint: s.endpoint,
          user_id: s.userId,
          p256dh: s.p256dh,
          auth: s.auth,
          created_at: s.now,
          last_ok_at: null,
          failures: 0,
        })
        .onConflict((oc) =>
          oc.column('endpoint').doUpdateSet({ user_id: s.userId, p256dh: s.p256dh, auth: s.auth, created_at: s.now, failures: 0 }),
        )
        .execute();
    },
    /** Removes the user's subscription with this endpoint; false when they had none. */
    async deletePushSubscription(userId: string, endpoint: string): Promise<boolean> {
      const res = await db
        .deleteFrom('push_subscriptions')
        .where('endpoint', '=', endpoint)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
    async pushSubscriptionsOf(userId: string): Promise<PushSubscriptionRow[]> {
      return db
        .selectFrom('push_subscriptions')
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('created_at')
        .orderBy('endpoint')
        .execute();
    },
    /** The push service said the subscription is gone (404/410): it is never tried again. */
    async dropPushSubscription(endpoint: string): Promise<void> {
      await db.deleteFrom('push_subscriptions').where('endpoint', '=', endpoint).execute();
    },
    async pushDelivered(endpoint: string, at: number): Promise<void> {
      await db.updateTable('push_subscriptions').set({ last_ok_at: at, failures: 0 }).where('endpoint', '=', endpoint).execute();
    },
    async pushFailed(endpoint: string): Promise<void> {
      await db
        .updateTable('push_subscriptions')
        .set((eb) => ({ failures: eb('failures', '+', 1) }))
        .where('endpoint', '=', endpoint)
        .execute();
    },
  };
}

export type PushRepo = ReturnType<typeof createPushRepo>;
