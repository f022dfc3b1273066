// `npm run create-service -- --id ... --name ... --emergency-number ... --admin-username ...`: the
// operator's way to add a service and its first admin, on the DATA_DIR of a running server. The
// password comes from --password-file, a hidden prompt or stdin, and is never printed.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { configSchema, redactDatabaseUrl } from '../config.js';
import { randomIds } from '../ids.js';
import { openStore } from '../store/index.js';
import { createService, newServiceSchema, OnboardingError } from './create-service.js';

const USAGE = `usage: npm run create-service -- --id <id> --name "<name>" --emergency-number <number> --admin-username <username>
         [--admin-name "<display name>"] [--admin-phone <+E.164>] [--password-file <file>]
  Creates a service and its first admin in DATA_DIR (${process.env.DATA_DIR || './data'}); safe while the server runs.
  The admin's password (at least 10 characters) is read from --password-file (first line), else a hidden
  prompt on a terminal, else the first line of stdin. It is never printed.`;

const options = {
  id: { type: 'string' },
  name: { type: 'string' },
  'emergency-number': { type: 'string' },
  'admin-username': { type: 'string' },
  'admin-name': { type: 'string' },
  'admin-phone': { type: 'string' },
  'password-file': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Maps the schema's field names back to the options the operator typed. */
const flagOf: Record<string, string> = {
  id: '--id',
  name: '--name',
  emergencyNumber: '--emergency-number',
  adminUsername: '--admin-username',
  adminName: '--admin-name',
  adminPhone: '--admin-phone',
};

class UsageError extends Error {}

const firstLine = (s: string) => s.split(/\r?\n/)[0] ?? '';

async function readStdin(): Promise<string> {
  let s = '';
  for await (const chunk of process.stdin) s += String(chunk);
  return s;
}

/** A prompt that does not echo what is typed (raw mode), on stderr so stdout stays clean. */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  // Echo off before the question shows, or a quick typist's first keys would appear on screen.
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (fn: () => void) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      fn();
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return finish(() => resolve(typed));
        if (ch === '\u0003' || ch === '\u0004') return finish(() => reject(new UsageError('cancelled')));
        typed = ch === '\u007f' || ch === '\b' ? typed.slice(0, -1) : typed + ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function readPassword(file: string | undefined, username: string): Promise<string> {
  if (file) {
    try {
      return firstLine(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new UsageError(`--password-file: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  if (process.stdin.isTTY) {
    const a = await promptHidden(`Password for ${username}: `);
    const b = await promptHidden('Again: ');
    if (a !== b) throw new UsageError('password: the two entries differ');
    return a;
  }
  return firstLine(await readStdin());
}

async function main(): Promise<number> {
  let values;
  try {
    values = parseArgs({ options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const parsed = newServiceSchema.safeParse({
    id: values.id,
    name: values.name,
    emergencyNumber: values['emergency-number'],
    adminUsername: values['admin-username'],
    adminName: values['admin-name'],
    adminPhone: values['admin-phone'],
  });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const key = String(i.path[0] ?? '');
      return `${flagOf[key] ?? key}: ${i.code === 'invalid_type' ? 'required' : i.message}`;
    });
    throw new UsageError(`${lines.join('\n')}\n${USAGE}`);
  }
  const dataDir = configSchema.shape.DATA_DIR.parse(process.env.DATA_DIR || undefined);
  const databaseUrl = configSchema.shape.DATABASE_URL.parse(process.env.DATABASE_URL || undefined);
  const password = await readPassword(values['password-file'], parsed.data.adminUsername);
  // A mistyped DATA_DIR would otherwise make a service the running server never sees.
  if (!databaseUrl && !existsSync(path.join(dataDir, 'odart.sqlite')))
    process.stderr.write(`note: ${dataDir} held no database yet; creating one there\n`);
  const store = await openStore(dataDir, databaseUrl);
  try {
    await createService(store.repos.onboarding, parsed.data, password, { now: Date.now(), ids: randomIds });
  } finally {
    await store.close();
  }
  const where = process.env.PUBLIC_URL ? ` at ${process.env.PUBLIC_URL}` : '';
  process.stdout.write(
    `Service ${parsed.data.id} (${parsed.data.name}) created in ${databaseUrl ? redactDatabaseUrl(databaseUrl) : dataDir}.\n` +
      `Admin ${parsed.data.adminUsername} can sign in${where} with the password given; next: add responders, a chain and wearers in the service console.\n`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError || (err instanceof OnboardingError && err.kind === 'invalid')) {
      process.stderr.write(`create-service: ${err.message}\n`);
      process.exit(2);
    }
    if (err instanceof OnboardingError) {
      process.stderr.write(`create-service: ${err.message}; nothing was changed\n`);
      process.exit(1);
    }
    process.stderr.write(`create-service failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
