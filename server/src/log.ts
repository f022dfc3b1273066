// Structured logging (pino) with redaction: secrets, phone numbers, names and vitals never reach a log line.
import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** Paths redacted wherever they appear (one level of nesting covered by the wildcard forms). */
export const REDACT_PATHS = [
  'password',
  'DATABASE_URL',
  'connectionString',
  'secret',
  'token',
  'authToken',
  'cookie',
  'authorization',
  'phone',
  'to',
  'from',
  'body',
  'name',
  'firstName',
  'address',
  'accessNotes',
  'hr',
  'spo2',
  'rr',
  'activity',
  'vitals',
  'payload',
  'data',
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-twilio-signature"]',
  '*.password',
  '*.secret',
  '*.token',
  '*.authToken',
  '*.phone',
  '*.to',
  '*.from',
  '*.body',
  '*.name',
  '*.firstName',
  '*.address',
  '*.accessNotes',
  '*.hr',
  '*.spo2',
  '*.rr',
  '*.activity',
  '*.vitals',
  '*.payload',
  '*.data',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { svc: 'odart' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      err: pino.stdSerializers.err,
      req: (req: { method?: string; url?: string; id?: string }) => ({
        method: req.method,
        // Query strings may carry tokens (consent links): keep the path only.
        url: typeof req.url === 'string' ? req.url.split('?')[0] : req.url,
        id: req.id,
      }),
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
