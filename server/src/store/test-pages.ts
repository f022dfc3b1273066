// Test pages' results (migration 0027_test_pages): one row per method of a test page (escalation/test-page.ts),
// found again by the provider's id when its status callback arrives, and by the test page's id when the
// person confirms a test push from their phone.
import type { Selectable } from 'kysely';
import type { Db } from './db.js';
import type { TestPageResultsTable } from './schema.js';

export type TestPageResultRow = Selectable<TestPageResultsTable>;

export function createTestPageRepo(db: Db) {
  return {
    async insertTestPageResults(rows: readonly TestPageResultRow[]): Promise<void> {
      if (rows.length > 0)
        await db
          .insertInto('test_page_results')
          .values([...rows])
          .execute();
    },
    async testPageResultByProviderId(providerId: string): Promise<TestPageResultRow | undefined> {
      return db.selectFrom('test_page_results').selectAll().where('provider_id', '=', providerId).executeTakeFirst();
    },
    async testPageResultsOf(testPageId: string): Promise<TestPageResultRow[]> {
      return db.selectFrom('test_page_results').selectAll().where('test_page_id', '=', testPageId).orderBy('id').execute();
    },
    async updateTestPageResult(id: string, r: Pick<TestPageResultRow, 'status' | 'detail' | 'updated_at'>): Promise<void> {
      await db.updateTable('test_page_results').set(r).where('id', '=', id).execute();
    },
  };
}

export type TestPageRepo = ReturnType<typeof createTestPageRepo>;
