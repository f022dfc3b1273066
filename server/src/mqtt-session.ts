// `npm run mqtt-session -- init`: creates the core's persistent session on a brand-new broker (session-init.ts),
// with the server's own settings (MQTT_URL, MQTT_USERNAME, MQTT_PASSWORD, MQTT_CLIENT_ID, DATABASE_URL). Run it
// once at set-up, before devices are given out; it refuses while a core holds the lease.
import { ConfigError, loadConfig } from './config.js';
import { openStore } from './store/index.js';
import { SessionInitRefused, initDeviceSession } from './broker/session-init.js';

const USAGE = `usage: npm run mqtt-session -- init
  Connects once to MQTT_URL as MQTT_CLIENT_ID (clean session off), subscribes to the device topics at QoS 1 and
  disconnects, so the broker queues device messages for the first core. Refuses while a core holds the lease
  (DATABASE_URL).`;

async function main(argv: readonly string[]): Promise<number> {
  if (argv.length !== 1 || argv[0] !== 'init') {
    process.stderr.write(`${USAGE}\n`);
    return argv[0] === '--help' || argv[0] === '-h' ? 0 : 2;
  }
  const config = loadConfig();
  const mq = config.mqttExternal;
  if (!mq) {
    process.stderr.write('mqtt-session: MQTT_URL is not set (the embedded broker needs no session)\n');
    return 2;
  }
  let lease = null;
  if (config.DATABASE_URL) {
    const store = await openStore(config.DATA_DIR, config.DATABASE_URL);
    try {
      lease = await store.repos.lease.read();
    } finally {
      await store.close();
    }
  }
  const topics = await initDeviceSession({ ...mq, lease, now: Date.now() });
  process.stdout.write(`mqtt-session: session ${mq.clientId} created on ${new URL(mq.url).host}: ${topics.join(', ')} at QoS 1\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const known = err instanceof SessionInitRefused || err instanceof ConfigError;
    process.stderr.write(`mqtt-session: ${known ? err.message : String(err instanceof Error ? err.message : err)}\n`);
    process.exit(1);
  },
);
