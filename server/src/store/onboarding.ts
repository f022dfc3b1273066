// Service onboarding in the store: a new service and its first admin, in one transaction.
import type { Db } from './db.js';

export interface NewServiceRow {
  service: { id: string; name: string; emergency_number: string };
  admin: { id: string; username: string; password_hash: string; display_name: string; phone: string | null };
  now: number;
}

/** Which of the service id or the username is already taken (null when neither). */
export async function onboardingConflict(db: Db, serviceId: string, username: string): Promise<'service' | 'username' | null> {
  if (await db.selectFrom('services').select('id').where('id', '=', serviceId).executeTakeFirst()) return 'service';
  if (await db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst()) return 'username';
  return null;
}

/** Inserts both or neither: a service without an admin could only be reached with SQL. */
export async function insertServiceWithAdmin(db: Db, row: NewServiceRow): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('services')
      .values({ ...row.service, created_at: row.now })
      .execute();
    await trx
      .insertInto('users')
      .values({ ...row.admin, service_id: row.service.id, role: 'admin', on_duty: 1, created_at: row.now })
      .execute();
  });
}

export function createOnboardingRepo(db: Db) {
  return {
    conflict: (serviceId: string, username: string) => onboardingConflict(db, serviceId, username),
    insertServiceWithAdmin: (row: NewServiceRow) => insertServiceWithAdmin(db, row),
  };
}

export type OnboardingRepo = ReturnType<typeof createOnboardingRepo>;

/** A write refused by a unique key (an id or username taken meanwhile); each adapter knows its own error codes. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  // SQLite: SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY; PostgreSQL: SQLSTATE 23505 unique_violation
  return code?.startsWith('SQLITE_CONSTRAINT') === true || code === '23505';
}
