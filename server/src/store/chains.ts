// Call chains of a service. Responder groups (chain targets) are read with the escalation jobs
// (escalation-repo.ts `groupMembers`).
import type { Insertable, Selectable } from 'kysely';
import type { Db } from './db.js';
import type { ChainsTable } from './schema.js';

type ChainRow = Selectable<ChainsTable>;

export function createChainRepo(db: Db) {
  return {
    async insertChain(row: Insertable<ChainsTable>) {
      await db.insertInto('chains').values(row).execute();
    },
    async chainById(id: string): Promise<ChainRow | undefined> {
      return db.selectFrom('chains').selectAll().where('id', '=', id).executeTakeFirst();
    },
  };
}

export type ChainRepo = ReturnType<typeof createChainRepo>;
