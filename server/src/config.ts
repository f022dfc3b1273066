// Settings: one zod schema over the environment, parsed once at start-up and frozen.
// A bad value stops start-up with the variable's name and what was expected.
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const optionalString = z.string().min(1).optional();

export const configSchema = z.object({
  HTTP_PORT: port.default(3000),
  MQTT_PORT: port.default(1883),
  HOST: z.string().min(1).default('0.0.0.0'),
  MQTT_WS_PATH: z.string().regex(/^\/[A-Za-z0-9/_-]*$/, 'a path starting with /').default('/mqtt'),
  DATA_DIR: z.string().min(1).default('./data'),
  TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'a Twilio Account SID (AC + 32 hex digits)').optional(),
  TWILIO_AUTH_TOKEN: optionalString,
  TWILIO_FROM: z.string().regex(/^\+[1-9][0-9]{6,14}$/, 'an E.164 phone number such as +447700900123').optional(),
  TWILIO_BASE_URL: z.url({ protocol: /^https?$/ }).default('https://api.twilio.com'),
  /** default: http://localhost:{HTTP_PORT} */
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  DEMO_PASSWORD: z.string().min(8, 'at least 8 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CHECKIN_WINDOW_S: z.coerce.number().int().min(0).max(300).default(15),
  DRAIN_TIMEOUT_MS: z.coerce.number().int().min(1000).max(120_000).default(10_000),
  MAX_PAYLOAD_BYTES: z.coerce.number().int().min(256).max(1_048_576).default(8192),
  /** days raw vitals are kept before they are purged (consent promise to wearers) */
  VITALS_RETENTION_DAYS: z.coerce.number().int().min(1).max(365).default(7),
  SESSION_TTL_H: z.coerce.number().int().min(1).max(24 * 30).default(12),
  /** escalation: an attending responder who has not marked arrived or resolved by then re-triggers the chain */
  ACK_TIMEOUT_S: z.coerce.number().int().min(1).max(24 * 3600).default(600),
  /** escalation: messages (and calls) per second from our number; 0 = no limit */
  SMS_RATE_PER_S: z.coerce.number().min(0).max(1000).default(1),
  /** escalation: a provider call not answered by then counts as a (retryable) timeout */
  NOTIFY_TIMEOUT_MS: z.coerce.number().int().min(50).max(120_000).default(5000),
  /** escalation: attempts per notification when failures are retryable */
  NOTIFY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  /** escalation: first retry delay; doubles per attempt */
  NOTIFY_RETRY_BASE_MS: z.coerce.number().int().min(10).max(600_000).default(2000),
  /** signs no-login page links and reply codes; unset = generated once and kept in DATA_DIR (mode 0600) */
  PAGE_LINK_SECRET: z.string().min(32, 'at least 32 characters').optional(),
});

export type Config = Readonly<Omit<z.infer<typeof configSchema>, 'PUBLIC_URL'> & { PUBLIC_URL: string; twilio: TwilioConfig | null }>;
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
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  const c = parsed.data;
  const twilioKeys = [c.TWILIO_ACCOUNT_SID, c.TWILIO_AUTH_TOKEN, c.TWILIO_FROM];
  const setCount = twilioKeys.filter((v) => v !== undefined).length;
  if (setCount !== 0 && setCount !== 3) {
    throw new ConfigError([
      'TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM: set all three to use Twilio, or none for the fake outbox',
    ]);
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
  const publicUrl = (c.PUBLIC_URL ?? `http://localhost:${c.HTTP_PORT || 3000}`).replace(/\/+$/, '');
  return Object.freeze({ ...c, PUBLIC_URL: publicUrl, twilio });
}
