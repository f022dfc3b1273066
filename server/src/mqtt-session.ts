// `npm run mqtt-session -- init`: creates the core's persistent session on a brand-new broker (session-init.ts),
// with the server's own settings (MQTT_URL, MQTT_USERNAME, MQTT_PASSWORD, MQTT_CLIENT_ID, DATABASE_URL). Run it
// once at set-up, before devices are given out; it refuses while a core holds the lease.
// Exit codes (docs/operations.md): 0 created, 1 refused (a core holds the lease), 2 usage (arguments, settings),
// 3 the broker or the database unusable. Every message is one line, with no password in it.
import { DISCRETE_STREAMS } from '@odart/protocol';
import { ConfigError, loadConfig, redactDatabaseUrl } from './config.js';
import { openStore } from './store/index.js';
import { SessionInitBrokerError, SessionInitRefused, initDeviceSession } from './broker/session-init.js';

const USAGE = `usage: npm run mqtt-session -- init
  Connects once to MQTT_URL as MQTT_CLIENT_ID and as MQTT_CLIENT_ID/discrete (clean session off), subscribes each
  to its device topics at QoS 1 and disconnects, so the broker queues device messages for the first core. Refuses while a core holds the lease
  (DATABASE_URL). Exit codes: 0 created, 1 refused, 2 usage, 3 broker or database unusable.`;

const EXIT = { created: 0, refused: 1, usage: 2, unusable: 3 } as const;

class Exit extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const reason = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function main(argv: readonly string[], secrets: string[]): Promise<string> {
  if (argv.length !== 1 || argv[0] !== 'init') {
    if (argv[0] === '--help' || argv[0] === '-h') return USAGE;
    throw new Exit(EXIT.usage, USAGE);
  }
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) throw new Exit(EXIT.usage, `invalid configuration: ${err.issues.join('; ')}`);
    throw err;
  }
  const mq = config.mqttExternal;
  if (!mq) throw new Exit(EXIT.usage, 'MQTT_URL is not set (the embedded broker needs no session)');
  secrets.push(mq.password);
  let lease = null;
  if (config.DATABASE_URL) {
    const db = redactDatabaseUrl(config.DATABASE_URL);
    const pw = safeUrlPassword(config.DATABASE_URL);
    if (pw) secrets.push(pw);
    try {
      const store = await openStore(config.DATA_DIR, config.DATABASE_URL);
      try {
        lease = await store.repos.lease.read();
      } finally {
        await store.close();
      }
    } catch (err) {
      throw new Exit(EXIT.unusable, `the database ${db} is unusable: ${reason(err)}`);
    }
  }
  const host = safeHost(mq.url);
  try {
    const made = await initDeviceSession({ ...mq, discreteStreams: new Set(DISCRETE_STREAMS), lease, now: Date.now() });
    return `sessions ${made.map((m) => `${m.clientId} (${m.topics.join(', ')})`).join(' and ')} created on ${host} at QoS 1`;
  } catch (err) {
    if (err instanceof SessionInitRefused) throw new Exit(EXIT.refused, err.message);
    if (err instanceof SessionInitBrokerError) throw new Exit(EXIT.unusable, `the broker ${host} is unusable: ${err.message}`);
    throw err;
  }
}

function safeUrlPassword(url: string): string | null {
  try {
    return decodeURIComponent(new URL(url).password) || null;
  } catch {
    return null;
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '[unparseable MQTT_URL]';
  }
}

/** One line, every known secret (and any user:password@ in a URL) replaced by ***. */
function redact(message: string, secrets: readonly string[]): string {
  let out = message.replace(/\s*\n\s*/g, ' ').replace(/(\/\/[^:/@\s]*):[^@/\s]*@/g, '$1:***@');
  for (const s of secrets) if (s.length > 0) out = out.split(s).join('***');
  return out;
}

const secrets: string[] = [];
main(process.argv.slice(2), secrets).then(
  (message) => {
    process.stdout.write(message === USAGE ? `${USAGE}\n` : `mqtt-session: ${redact(message, secrets)}\n`);
    process.exit(EXIT.created);
  },
  (err: unknown) => {
    const code = err instanceof Exit ? err.code : EXIT.unusable;
    const message =
      err instanceof Exit && code === EXIT.usage && err.message === USAGE ? USAGE : `mqtt-session: ${redact(reason(err), secrets)}`;
    process.stderr.write(`${message}\n`);
    process.exit(code);
  },
);
