// Queries behind account security: sessions by user, disabling, password hashes, trusted sign-in devices.
import type { Db } from './db.js';
import type { UserRow } from './repos.js';

/** Trusted devices kept per user: a shared station tablet or a few phones, not an unbounded list. */
const DEVICES_PER_USER = 10;

export function createAccountRepos(db: Db) {
  return {
    /** The session's user (not disabled) and when the session ends, or undefined. */
    async session(id: string, now: number): Promise<{ user: UserRow; expiresAt: number } | undefined> {
      const row = await db
        .selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .selectAll('users')
        .select('sessions.expires_at as session_expires_at')
        .where('sessions.id', '=', id)
        .where('sessions.expires_at', '>', now)
        .where('users.disabled_at', 'is', null)
        .executeTakeFirst();
      if (!row) return undefined;
      const { session_expires_at, ...user } = row;
      return { user, expiresAt: Number(session_expires_at) };
    },
    async endSessionsOf(userId: string): Promise<void> {
      await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
    },
    async setDisabled(userId: string, at: number | null): Promise<void> {
      await db.updateTable('users').set({ disabled_at: at }).where('id', '=', userId).execute();
    },
    async setPasswordHash(userId: string, hash: string): Promise<void> {
      await db.updateTable('users').set({ password_hash: hash }).where('id', '=', userId).execute();
    },

    async loginDeviceUser(id: string): Promise<string | undefined> {
      return (await db.selectFrom('login_devices').select('user_id').where('id', '=', id).executeTakeFirst())?.user_id;
    },
    async rememberLoginDevice(id: string, userId: string, now: number): Promise<void> {
      await db
        .insertInto('login_devices')
        .values({ id, user_id: userId, created_at: now, last_used_at: now })
        .onConflict((oc) => oc.column('id').doUpdateSet({ last_used_at: now }))
        .execute();
      const keep = db
        .selectFrom('login_devices')
        .select('id')
        .where('user_id', '=', userId)
        .orderBy('last_used_at', 'desc')
        .limit(DEVICES_PER_USER);
      await db.deleteFrom('login_devices').where('user_id', '=', userId).where('id', 'not in', keep).execute();
    },
    async forgetLoginDevicesOf(userId: string): Promise<void> {
      await db.deleteFrom('login_devices').where('user_id', '=', userId).execute();
    },
  };
}

export type AccountRepos = ReturnType<typeof createAccountRepos>;
