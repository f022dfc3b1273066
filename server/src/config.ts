// Settings: one zod schema over the environment, parsed once at start-up and frozen.
// A bad value stops start-up with the variable's name and what was expected.
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { isIP } from 'node:net';
import os from 'node:os';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const optionalString = z.string().min(1).optional();

// proxy-addr's named ranges, as fastify's trustProxy accepts them
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const isAddressOrRange = (s: string) => {
  if (NAMED_RANGES.has(s)) return true;
  const [ip = '', bits, extra] = s.split('/');
  const v = isIP(ip);
  if (v === 0 || extra !== undefined) return false;
  return bits === undefined || (/^[0-9]{1,3}$/.test(bits) && Number(bits) <= (v === 4 ? 32 : 128));
};
/**
 * fastify trustProxy: `false` (default: the socket address is the client), `true` (trust every hop:
 * only when nothing but the proxy can reach the port), or the proxies' addresses and CIDR ranges,
 * comma-separated (best: X-Forwarded-For is believed only from them). No hop count: fastify 5 cannot
 * check the nearest peer with one and ignores X-Forwarded-For, which would silently merge all clients.
 */
const trustProxy = z
  .string()
  .trim()
  .refine(
    (s) => s === 'true' || s === 'false' || s.split(',').every((x) => isAddressOrRange(x.trim())),
    'false, true, or comma-separated proxy addresses/CIDR ranges (e.g. 127.0.0.1,10.0.0.0/8)',
  )
  .transform((s): boolean | string[] => (s === 'true' ? true : s === 'false' ? false : s.split(',').map((x) => x.trim())));

export const configSchema = z.object({
  HTTP_PORT: port.default(3000),
  MQTT_PORT: port.default(1883),
  /** default: 127.0.0.1 with NODE_ENV=production, else 0.0.0.0 */
  HOST: z.string().min(1).optional(),
  MQTT_WS_PATH: z
    .string()
    .regex(/^\/[A-Za-z0-9/_-]*$/, 'a path starting with /')
    .default('/mqtt'),
  DATA_DIR: z.string().min(1).default('./data'),
  /**
   * postgres://user:password@host:port/database (or postgresql://): the store is PostgreSQL instead of the embedded
   * SQLite file in DATA_DIR (which still holds the server secret). Never logged with its password (redactDatabaseUrl).
   */
  DATABASE_URL: z
    .string()
    .refine((s) => {
      try {
        const u = new URL(s);
        return (u.protocol === 'postgres:' || u.protocol === 'postgresql:') && u.pathname.length > 1;
      } catch {
        return false;
      }
    }, 'a PostgreSQL URL: postgres://user:password@host:5432/database')
    .optional(),
  TWILIO_ACCOUNT_SID: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/, 'a Twilio Account SID (AC + 32 hex digits)')
    .optional(),
  TWILIO_AUTH_TOKEN: optionalString,
  TWILIO_FROM: z
    .string()
    .regex(/^\+[1-9][0-9]{6,14}$/, 'an E.164 phone number such as +447700900123')
    .optional(),
  TWILIO_BASE_URL: z.url({ protocol: /^https?$/ }).default('https://api.twilio.com'),
  /** default: http://localhost:{HTTP_PORT} */
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  DEMO_PASSWORD: z.string().min(8, 'at least 8 characters').optional(),
  NODE_ENV: z.enum(['development', 'production', 'test']).optional(),
  /** every demo device secret, when seeding (dev/test only); default: random, in DATA_DIR/demo-credentials.json */
  DEMO_DEVICE_SECRET: z.string().min(8, 'at least 8 characters').optional(),
  /** hours a wearer's personal consent link works after it was issued */
  CONSENT_LINK_TTL_H: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(24 * 7),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CHECKIN_WINDOW_S: z.coerce.number().int().min(0).max(300).default(15),
  DRAIN_TIMEOUT_MS: z.coerce.number().int().min(1000).max(120_000).default(10_000),
  MAX_PAYLOAD_BYTES: z.coerce.number().int().min(256).max(1_048_576).default(8192),
  /** MQTT over TLS listener; with TLS_CERT_FILE and TLS_KEY_FILE (PEM), which also make the HTTP port HTTPS */
  MQTT_TLS_PORT: port.optional(),
  TLS_CERT_FILE: optionalString,
  TLS_KEY_FILE: optionalString,
  /** MQTT connections from one address (an IPv6 /64 counts as one); 0 = no limit (loopback load tests) */
  MQTT_MAX_CONNECTIONS_PER_ADDRESS: z.coerce.number().int().min(0).max(1_000_000).default(200),
  /** days raw vitals are kept before they are purged (consent promise to wearers) */
  VITALS_RETENTION_DAYS: z.coerce.number().int().min(1).max(365).default(7),
  SESSION_TTL_H: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(12),
  /** escalation: an attending responder who has not marked arrived or resolved by then re-triggers the chain */
  ACK_TIMEOUT_S: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 3600)
    .default(600),
  /** escalation: messages (and calls) per second from our number; 0 = no limit */
  SMS_RATE_PER_S: z.coerce.number().min(0).max(1000).default(1),
  /** escalation: a provider call not answered by then counts as a (retryable) timeout */
  NOTIFY_TIMEOUT_MS: z.coerce.number().int().min(50).max(120_000).default(5000),
  /** escalation: attempts per notification when failures are retryable */
  NOTIFY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  /** escalation: first retry delay; doubles per attempt */
  NOTIFY_RETRY_BASE_MS: z.coerce.number().int().min(10).max(600_000).default(2000),
  /** when set, GET /metrics wants `Authorization: Bearer <METRICS_TOKEN>`; in production /metrics is off without it */
  METRICS_TOKEN: z.string().min(16, 'at least 16 characters').max(200).optional(),
  /** log2 of the scrypt N for passwords; below 17 only with NODE_ENV=test (the suite signs in hundreds of times) */
  PASSWORD_SCRYPT_LOG2N: z.coerce.number().int().min(10).max(18).default(17),
  TRUST_PROXY: trustProxy.default(false),
  /** escalation: a responder whose app did not see a page is texted a reminder this long after the step; 0 = off */
  PAGE_REMINDER_S: z.coerce.number().int().min(0).max(3600).default(30),
  /** signs no-login page links and reply codes; unset = generated once and kept in DATA_DIR (mode 0600) */
  PAGE_LINK_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  /** Web Push (RFC 8292): the VAPID public key, base64url of the 65-byte uncompressed P-256 point; with VAPID_PRIVATE_KEY or neither (generated once, kept in DATA_DIR) */
  VAPID_PUBLIC_KEY: z
    .string()
    .regex(/^B[A-Za-z0-9_-]{86}$/, 'base64url of a 65-byte uncompressed P-256 public key (87 characters, starting with B)')
    .optional(),
  /** Web Push: the VAPID private key, base64url of the 32-byte P-256 scalar */
  VAPID_PRIVATE_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}$/, 'base64url of a 32-byte P-256 private key (43 characters)')
    .optional(),
  /** Web Push: who the push services may contact, a mailto: or https: URL; unset = PUBLIC_URL when https (not localhost), else mailto:push@odart.invalid */
  VAPID_SUBJECT: z
    .string()
    .max(200)
    .regex(/^(mailto:[^\s@]+@[^\s@]+|https:\/\/[^\s]+)$/, 'a mailto: or https: URL')
    .optional(),
  /** external broker mode: devices connect to this broker (Mosquitto 2), the server is its client; unset = embedded aedes */
  MQTT_URL: z.url({ protocol: /^mqtts?$/ }).optional(),
  /** the server's own privileged account on MQTT_URL (subscribe to device topics, publish commands, dynamic security) */
  MQTT_USERNAME: optionalString,
  MQTT_PASSWORD: optionalString,
  /** the server's fixed client id on MQTT_URL: its persistent session (messages kept while it is down) */
  MQTT_CLIENT_ID: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, _ . - (at most 64)')
    .default('odart-core'),
  /** PEM CA certificates to trust for an mqtts:// MQTT_URL with a private CA (the simulator and bridge read it too); else ignored */
  MQTT_CA_FILE: optionalString,
  /** this node's name in the core lease (issue 14, several nodes on one DATABASE_URL); default hostname-pid */
  NODE_ID: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/, 'letters, digits, _ . : - (at most 100)')
    .default(() => `${os.hostname().replace(/[^A-Za-z0-9_.:-]/g, '-') || 'node'}-${process.pid}`),
  /** how long the core lease lasts unless renewed (renewed every third of it): a standby takes over at most this long after the core's last renewal */
  CORE_LEASE_S: z.coerce.number().int().min(3).max(60).default(6),
  /** dead man's switch: pinged every HEARTBEAT_S while the core is healthy, HEARTBEAT_URL/fail while not (healthchecks.io style); unset = off. Logged without its path (the check's token) */
  HEARTBEAT_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** dead man's switch: seconds between pings */
  HEARTBEAT_S: z.coerce.number().int().min(5).max(3600).default(60),
});

export type Config = Readonly<
  Omit<z.infer<typeof configSchema>, 'PUBLIC_URL' | 'HOST' | 'VAPID_SUBJECT'> & {
    PUBLIC_URL: string;
    HOST: string;
    VAPID_SUBJECT: string;
    twilio: TwilioConfig | null;
    tls: TlsConfig | null;
    passwordCost: PasswordCost;
    mqttExternal: MqttExternalConfig | null;
  }
>;
/** MQTT_URL and the server's account on it (external broker mode) */
export interface MqttExternalConfig {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly clientId: string;
  /** MQTT_CA_FILE for mqtts://; null = the system's CAs */
  readonly ca: Buffer | null;
}
/** MQTT over TLS on `port`, and HTTPS on HTTP_PORT, with one certificate chain and key (PEM) */
export interface TlsConfig {
  readonly port: number;
  readonly cert: Buffer;
  readonly key: Buffer;
}
/** scrypt parameters for new password hashes (auth/secrets.ts) */
export interface PasswordCost {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}
export interface TwilioConfig {
  readonly accountSid: string;
  readonly authToken: string;
  readonly from: string;
  readonly baseUrl: string;
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Parse the environment once. Throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings mean "unset" for every key, as in most shells' `FOO= npm start`.
  const cleaned = Object.fromEntries(
    Object.keys(configSchema.shape).flatMap((k) => (env[k] === undefined || env[k] === '' ? [] : [[k, env[k]]])),
  );
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  const c = parsed.data;
  const twilioKeys = [c.TWILIO_ACCOUNT_SID, c.TWILIO_AUTH_TOKEN, c.TWILIO_FROM];
  const setCount = twilioKeys.filter((v) => v !== undefined).length;
  if (setCount !== 0 && setCount !== 3) {
    throw new ConfigError(['TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM: set all three to use Twilio, or none for the fake outbox']);
  }
  const twilio: TwilioConfig | null =
    setCount === 3
      ? Object.freeze({
          accountSid: c.TWILIO_ACCOUNT_SID!,
          authToken: c.TWILIO_AUTH_TOKEN!,
          from: c.TWILIO_FROM!,
          baseUrl: c.TWILIO_BASE_URL.replace(/\/+$/, ''),
        })
      : null;
  const production = c.NODE_ENV === 'production';
  if (production) {
    // A real service must never page made-up numbers, fall back to an outbox nobody reads, or carry demo secrets.
    const issues = [
      ...(twilio
        ? []
        : [
            'TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM: required with NODE_ENV=production (the fake SMS outbox is for development only)',
          ]),
      ...(['DEMO_PASSWORD', 'DEMO_DEVICE_SECRET'] as const).flatMap((k) =>
        c[k] === undefined ? [] : [`${k}: not allowed with NODE_ENV=production (there is no demo seed); unset it`],
      ),
    ];
    if (issues.length > 0) throw new ConfigError(issues);
  }
  if (c.PASSWORD_SCRYPT_LOG2N < 17 && c.NODE_ENV !== 'test') {
    throw new ConfigError(['PASSWORD_SCRYPT_LOG2N: below 17 (OWASP scrypt advice) only with NODE_ENV=test']);
  }
  if ((c.VAPID_PUBLIC_KEY === undefined) !== (c.VAPID_PRIVATE_KEY === undefined)) {
    throw new ConfigError(['VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY: set both (one key pair), or neither to generate one in DATA_DIR']);
  }
  const passwordCost = Object.freeze({ N: 2 ** c.PASSWORD_SCRYPT_LOG2N, r: 8, p: 1 });
  const tlsConfig = loadTls(c.MQTT_TLS_PORT, c.TLS_CERT_FILE, c.TLS_KEY_FILE);
  const publicUrl = (c.PUBLIC_URL ?? `${tlsConfig ? 'https' : 'http'}://localhost:${c.HTTP_PORT || 3000}`).replace(/\/+$/, '');
  const host = c.HOST ?? (production ? '127.0.0.1' : '0.0.0.0');
  const vapidSubject =
    c.VAPID_SUBJECT ?? (/^https:\/\/(?!localhost[:/]|localhost$)/.test(publicUrl) ? publicUrl : 'mailto:push@odart.invalid');
  const mqttExternal = loadMqttExternal(c);
  return Object.freeze({
    ...c,
    HOST: host,
    PUBLIC_URL: publicUrl,
    VAPID_SUBJECT: vapidSubject,
    twilio,
    tls: tlsConfig,
    passwordCost,
    mqttExternal,
  });
}

/** DATABASE_URL fit for a log line or an error: the password replaced by ***. */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const key of [...u.searchParams.keys()]) if (/pass|secret|key/i.test(key)) u.searchParams.set(key, '***');
    return u.toString();
  } catch {
    return '[unparseable DATABASE_URL]';
  }
}

/** MQTT_URL needs the server's account; the account settings mean nothing without MQTT_URL. */
function loadMqttExternal(c: z.infer<typeof configSchema>): MqttExternalConfig | null {
  if (c.MQTT_URL === undefined) {
    if (c.MQTT_USERNAME !== undefined || c.MQTT_PASSWORD !== undefined) {
      throw new ConfigError(['MQTT_USERNAME, MQTT_PASSWORD: only with MQTT_URL (the embedded broker has no server account)']);
    }
    return null;
  }
  if (c.MQTT_USERNAME === undefined || c.MQTT_PASSWORD === undefined) {
    throw new ConfigError(["MQTT_USERNAME, MQTT_PASSWORD: required with MQTT_URL (the server's own account on the external broker)"]);
  }
  let ca: Buffer | null = null;
  if (c.MQTT_CA_FILE !== undefined && c.MQTT_URL.startsWith('mqtts:')) {
    try {
      ca = readFileSync(c.MQTT_CA_FILE);
    } catch {
      throw new ConfigError([`MQTT_CA_FILE: cannot read ${c.MQTT_CA_FILE}`]);
    }
    if (!ca.toString('latin1').includes('-----BEGIN CERTIFICATE-----')) {
      throw new ConfigError([`MQTT_CA_FILE: ${c.MQTT_CA_FILE} holds no PEM certificate`]);
    }
  }
  return Object.freeze({ url: c.MQTT_URL, username: c.MQTT_USERNAME, password: c.MQTT_PASSWORD, clientId: c.MQTT_CLIENT_ID, ca });
}

/** The three TLS settings together or none; the files must hold a PEM certificate and its key. */
function loadTls(port: number | undefined, certFile: string | undefined, keyFile: string | undefined): TlsConfig | null {
  const set = [port, certFile, keyFile].filter((v) => v !== undefined).length;
  if (set === 0) return null;
  if (set !== 3 || port === undefined || !certFile || !keyFile) {
    throw new ConfigError(['MQTT_TLS_PORT, TLS_CERT_FILE, TLS_KEY_FILE: set all three for MQTT over TLS and HTTPS, or none']);
  }
  const read = (name: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch {
      throw new ConfigError([`${name}: cannot read ${file}`]);
    }
  };
  const cert = read('TLS_CERT_FILE', certFile);
  const key = read('TLS_KEY_FILE', keyFile);
  try {
    // parses both and checks that the key belongs to the certificate
    tls.createSecureContext({ cert, key });
  } catch (err) {
    throw new ConfigError([
      `TLS_CERT_FILE, TLS_KEY_FILE: not a PEM certificate and its private key (${err instanceof Error ? err.message : String(err)})`,
    ]);
  }
  return Object.freeze({ port, cert, key });
}
