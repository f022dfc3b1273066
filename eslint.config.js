// Lint: typescript-eslint with type information, so floating promises are caught everywhere.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Boundaries: the table in docs/architecture.md, enforced so a wrong import fails `npm run lint`.
// For each part of server/src, what it may import (`uses`) and what only with `import type` (`types`);
// everything else in server/src, and simulator/, firmware-bridge/, responder-app/, test/, is refused.
// Test files may import anything.
// The device protocol is the workspace package @odart/protocol, not a server folder: every part may import it.
const SERVER_FOLDERS = [
  'detection',
  'ingest',
  'broker',
  'alerts',
  'escalation',
  'notify',
  'consent',
  'store',
  'http',
  'demo',
  'onboarding',
  'auth',
  'messages',
  'events',
  'wearers',
  'cluster',
  'health',
];
const SERVER_FILES = ['clock', 'ids', 'log', 'metrics', 'errors', 'config', 'server', 'main', 'mqtt-session'];
// The event bus (events/) is part of the kernel: every part with the kernel may publish and subscribe.
const KERNEL = ['clock', 'ids', 'log', 'metrics', 'errors', 'events'];
const BOUNDARIES = {
  detection: {},
  ingest: { uses: [...KERNEL], types: ['detection', 'store'] },
  broker: { uses: ['store', 'auth', ...KERNEL] },
  alerts: { uses: ['store', 'escalation', ...KERNEL], types: ['detection'] },
  escalation: { uses: ['store', 'notify', 'messages', ...KERNEL] },
  notify: { uses: ['messages', ...KERNEL], types: ['store', 'config'] },
  consent: { uses: ['messages', ...KERNEL], types: ['notify', 'store'] },
  store: {},
  http: {
    uses: ['detection', 'alerts', 'escalation', 'notify', 'consent', 'store', 'auth', 'messages', 'config', ...KERNEL],
    types: ['broker', 'wearers'],
  },
  demo: { uses: ['auth', ...KERNEL], types: ['escalation', 'store'] },
  onboarding: { uses: ['store', 'auth', 'config', ...KERNEL] },
  auth: {},
  messages: {},
  events: { uses: ['log', 'metrics'], types: ['detection', 'store'] },
  wearers: { uses: ['detection', ...KERNEL], types: ['store'] },
  cluster: { uses: [...KERNEL], types: ['store'] },
  health: { uses: [...KERNEL] },
  ...Object.fromEntries(['clock', 'ids', 'log', 'metrics', 'errors', 'config'].map((f) => [f, {}])),
  server: { uses: SERVER_FOLDERS.filter((f) => f !== 'onboarding').concat('config', ...KERNEL) },
  main: { uses: ['config', 'server', ...KERNEL], types: ['demo'] },
  'mqtt-session': { uses: ['broker', 'store', 'config'] },
};
const OUTSIDE_SERVER = '^(\\.\\./)+(simulator|firmware-bridge|responder-app|test)/';
const why = 'see the boundaries in docs/architecture.md';

function serverBoundary(part) {
  const { uses = [], types = [] } = BOUNDARIES[part];
  const inFolder = SERVER_FOLDERS.includes(part);
  // A folder's module reaches its neighbours through ../ (twice from notify/fake/); a top-level file through ./
  const up = inFolder ? '^(\\.\\./)+' : '^\\./';
  const from = inFolder ? `${part}/` : `${part}.ts`;
  const patterns = [...SERVER_FOLDERS, ...SERVER_FILES]
    .filter((other) => other !== part && !uses.includes(other))
    .map((other) => ({
      regex: up + (SERVER_FOLDERS.includes(other) ? `${other}/` : `${other}\\.js$`),
      allowTypeImports: types.includes(other),
      message: `${from} may not import ${types.includes(other) ? 'values from ' : ''}${SERVER_FOLDERS.includes(other) ? other + '/' : other + '.ts'}: ${why}.`,
    }));
  patterns.push({
    regex: inFolder ? OUTSIDE_SERVER : '^\\.\\./',
    message: `server/src may not import the simulator, bridge, app or tests: ${why}.`,
  });
  return {
    files: [inFolder ? `server/src/${part}/**/*.ts` : `server/src/${part}.ts`],
    ignores: ['**/*.test.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] },
  };
}

// simulator/ runs the real detection, alerts and escalation in `evaluate`; the bridge and the app get only @odart/protocol.
function outsideBoundary(dir, serverParts, others) {
  return {
    files: [`${dir}/**/*.ts`],
    ignores: ['**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            serverParts.length
              ? {
                  regex: `^(\\.\\./)+server/(?!src/(${serverParts.join('|')})/)`,
                  message: `${dir}/ may import only server/src/{${serverParts.join(',')}}: ${why}.`,
                }
              : { regex: '^(\\.\\./)+server/', message: `${dir}/ may not import server/ (the protocol is @odart/protocol): ${why}.` },
            { regex: `^(\\.\\./)+(${others.join('|')})/`, message: `${dir}/ may not import ${others.join(', ')}: ${why}.` },
          ],
        },
      ],
    },
  };
}

// The store wall (docs/architecture.md, store/): outside server/src/store/ no code reaches the database but
// through the repositories: no kysely or SQLite driver import, no query builder call, no `.db` handle, no
// transaction. store.contract.test.ts then holds for everything the server does.
const QUERY_MEMBERS = ['selectFrom', 'insertInto', 'replaceInto', 'updateTable', 'deleteFrom', 'mergeInto', 'transaction', 'with', 'db'];
const storeWall = 'the store is a wall: add a repository method in server/src/store/ (docs/architecture.md)';
const STORE_WALL = {
  files: ['server/src/**/*.ts'],
  ignores: ['server/src/store/**', '**/*.test.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        paths: ['kysely', 'better-sqlite3', 'pg'].map((name) => ({ name, message: storeWall })),
        patterns: [{ group: ['kysely/*'], message: storeWall }],
      },
    ],
    'no-restricted-syntax': [
      'error',
      {
        selector: `MemberExpression[property.name=/^(${QUERY_MEMBERS.join('|')})$/]`,
        message: `No query builder, database handle or transaction outside server/src/store/: ${storeWall}.`,
      },
    ],
  },
};

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'responder-app/dist/', 'coverage/', '**/*.js', '!eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['server/**/*.ts'],
    ignores: ['server/**/*.test.ts'],
    rules: { 'no-console': 'error' },
  },
  ...Object.keys(BOUNDARIES).map(serverBoundary),
  STORE_WALL,
  outsideBoundary('simulator', ['detection', 'alerts', 'demo', 'escalation'], ['responder-app', 'test']),
  outsideBoundary('firmware-bridge', [], ['simulator', 'responder-app', 'test']),
  outsideBoundary('responder-app', [], ['simulator', 'firmware-bridge', 'test']),
  // packages/protocol (@odart/protocol), imported by everything: it stands alone, on zod only.
  {
    files: ['packages/protocol/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(?!zod$|\\./)', message: `@odart/protocol may import only zod and its own modules: ${why}.` }] },
      ],
    },
  },
);
