// Users (admins and responders) and their sign-in sessions. Account security (disabling, password
// hashes, trusted sign-in devices) is in accounts.ts; both are composed into `Repos`.
import type { Insertable, Selectable } from 'kysely';
import type { Db } from './db.js';
import type { UsersTable } from './schema.js';

type UserRow = Selectable<UsersTable>;
export type UserPatch = { display_name?: string; phone?: string | null; on_duty?: number };

export function createUserRepo(db: Db) {
  return {
    async insertUser(row: Insertable<UsersTable>) {
      await db.insertInto('users').values(row).execute();
    },
    async userByUsername(username: string): Promise<UserRow | undefined> {
      return db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    },
    async userById(id: string): Promise<UserRow | undefined> {
      return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async usersByIds(ids: readonly string[]): Promise<UserRow[]> {
      if (ids.length === 0) return [];
      return db
        .selectFrom('users')
        .selectAll()
        .where('id', 'in', [...ids])
        .execute();
    },
    async updateUser(id: string, patch: UserPatch): Promise<void> {
      if (Object.keys(patch).length === 0) return;
      await db.updateTable('users').set(patch).where('id', '=', id).execute();
    },
    /** The admins of a service (they get its live notices and the default chain). */
    async adminIds(serviceId: string): Promise<string[]> {
      const rows = await db.selectFrom('users').select('id').where('service_id', '=', serviceId).where('role', '=', 'admin').execute();
      return rows.map((r) => r.id);
    },
    /** Admins who can be paged (not disabled): the default chain of a wearer without one pages them. */
    async activeAdminIds(serviceId: string): Promise<string[]> {
      const rows = await db
        .selectFrom('users')
        .select('id')
        .where('service_id', '=', serviceId)
        .where('role', '=', 'admin')
        .where('disabled_at', 'is', null)
        .execute();
      return rows.map((r) => r.id);
    },
    /** Everyone of a service by display name (the app's directory). */
    async directory(serviceId: string): Promise<Pick<UserRow, 'id' | 'display_name' | 'role'>[]> {
      return db
        .selectFrom('users')
        .select(['id', 'display_name', 'role'])
        .where('service_id', '=', serviceId)
        .orderBy('display_name')
        .execute();
    },

    async insertSession(row: { id: string; user_id: string; created_at: number; expires_at: number }) {
      await db.insertInto('sessions').values(row).execute();
    },
    async sessionUser(id: string, now: number): Promise<UserRow | undefined> {
      return db
        .selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .selectAll('users')
        .where('sessions.id', '=', id)
        .where('sessions.expires_at', '>', now)
        .where('users.disabled_at', 'is', null)
        .executeTakeFirst();
    },
    async deleteSession(id: string) {
      await db.deleteFrom('sessions').where('id', '=', id).execute();
    },
    /** Which of these users hold a session that has not expired. */
    async withLiveSession(userIds: readonly string[], now: number): Promise<Set<string>> {
      // '' keeps the IN list non-empty; no user has that id.
      const rows = await db
        .selectFrom('sessions')
        .select('user_id')
        .where('user_id', 'in', [...userIds, ''])
        .where('expires_at', '>', now)
        .execute();
      return new Set(rows.map((s) => s.user_id));
    },
  };
}

export type UserRepo = ReturnType<typeof createUserRepo>;
