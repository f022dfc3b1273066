// The store wall of docs/architecture.md, checked against eslint: outside server/src/store/ a kysely or
// driver import, a query builder call, a `.db` handle or a transaction fails `npm run lint`; inside the
// store and in tests they pass, and no file of server/src is exempt.
import path from 'node:path';
import { ESLint, type Linter } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const WALL_RULES = ['no-restricted-imports', 'no-restricted-syntax'];

const SNIPPETS: Record<string, string> = {
  'kysely import': `import { sql } from 'kysely';\nexport const q = sql\`select 1\`;\n`,
  'driver import': `import Database from 'better-sqlite3';\nexport const d = new Database(':memory:');\n`,
  'a query builder call': `declare const repos: { q: { selectFrom(t: string): unknown } };\nexport const r = repos.q.selectFrom('wearers');\n`,
  'an update': `declare const x: { updateTable(t: string): unknown };\nexport const r = x.updateTable('users');\n`,
  'the db handle': `declare const repos: { db: unknown };\nexport const h = repos.db;\n`,
  'a transaction': `declare const h: { transaction(): unknown };\nexport const t = h.transaction();\n`,
  'a CTE': `declare const h: { with(n: string, f: unknown): unknown };\nexport const t = h.with('x', null);\n`,
};

let eslint: ESLint;
async function wallErrors(filePath: string, text: string): Promise<Linter.LintMessage[]> {
  const [result] = await eslint.lintText(text, { filePath: path.join(ROOT, filePath) });
  return (result?.messages ?? []).filter((m) => WALL_RULES.includes(m.ruleId ?? ''));
}

describe('the store wall (enforced by eslint)', () => {
  beforeAll(() => {
    eslint = new ESLint({
      cwd: ROOT,
      overrideConfig: {
        languageOptions: { parserOptions: { projectService: false } },
        rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/no-misused-promises': 'off' },
      },
    });
  });

  it.each(Object.keys(SNIPPETS))('refuses %s outside server/src/store/', async (name) => {
    for (const file of [
      'server/src/http/wall-probe.ts',
      'server/src/consent/wall-probe.ts',
      'server/src/demo/wall-probe.ts',
      'server/src/main.ts',
    ]) {
      const errors = await wallErrors(file, SNIPPETS[name]!);
      expect(errors.length, `${name} in ${file}`).toBeGreaterThan(0);
      expect(errors[0]!.message).toMatch(/store/);
    }
  });

  it.each(Object.keys(SNIPPETS))('allows %s inside server/src/store/ and in tests', async (name) => {
    expect(await wallErrors('server/src/store/wall-probe.ts', SNIPPETS[name]!)).toEqual([]);
    expect(await wallErrors('server/src/http/wall-probe.test.ts', SNIPPETS[name]!)).toEqual([]);
    expect(await wallErrors('test/wall-probe.test.ts', SNIPPETS[name]!)).toEqual([]);
  });

  it('exempts no file: the alert lifecycle, escalation and the composition root are behind the wall too', async () => {
    const files = [
      'server/src/alerts/alert-service.ts',
      'server/src/escalation/escalator.ts',
      'server/src/escalation/dispatcher.ts',
      'server/src/server.ts',
      'server/src/alerts/notices.ts',
      'server/src/escalation/chain.ts',
      'server/src/ingest/directory.ts',
    ];
    for (const file of files) {
      expect((await wallErrors(file, SNIPPETS['the db handle']!)).length, file).toBeGreaterThan(0);
    }
  });
});
