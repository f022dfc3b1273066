// Config: one schema, defaults from the DESIGN contract, and start-up stops naming the bad variable.
import { failUrl, redactHeartbeatUrl } from './health/heartbeat.js';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactDatabaseUrl } from './config.js';

describe('config', () => {
  it('defaults are the runtime contract', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      HTTP_PORT: 3000,
      MQTT_PORT: 1883,
      MQTT_WS_PATH: '/mqtt',
      DATA_DIR: './data',
      TWILIO_BASE_URL: 'https://api.twilio.com',
      PUBLIC_URL: 'http://localhost:3000',
      twilio: null,
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it.each([
    ['HTTP_PORT', 'eighty'],
    ['MQTT_PORT', '70000'],
    ['PUBLIC_URL', 'not a url'],
    ['TWILIO_BASE_URL', 'ftp://x'],
    ['MQTT_WS_PATH', 'mqtt'],
    ['LOG_LEVEL', 'loud'],
    ['DEMO_PASSWORD', 'short'],
    ['DEMO_DEVICE_SECRET', 'short'],
  ])('a bad %s stops start-up naming it', (key, value) => {
    try {
      loadConfig({ [key]: value });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain(key);
    }
  });

  it('MQTT_URL: an external broker with the server account; the account settings only with it', () => {
    expect(loadConfig({}).mqttExternal).toBeNull();
    const c = loadConfig({ MQTT_URL: 'mqtts://broker.example:8883', MQTT_USERNAME: 'odart-core', MQTT_PASSWORD: 'a-long-password' });
    expect(c.mqttExternal).toEqual({
      url: 'mqtts://broker.example:8883',
      username: 'odart-core',
      password: 'a-long-password',
      clientId: 'odart-core',
      ca: null,
    });
    expect(
      loadConfig({ MQTT_URL: 'mqtt://127.0.0.1:1883', MQTT_USERNAME: 'u', MQTT_PASSWORD: 'p', MQTT_CLIENT_ID: 'core-a' }).mqttExternal
        ?.clientId,
    ).toBe('core-a');
    expect(() => loadConfig({ MQTT_URL: 'http://broker.example' })).toThrow(/MQTT_URL/);
    expect(() => loadConfig({ MQTT_URL: 'mqtt://127.0.0.1:1883' })).toThrow(/MQTT_USERNAME, MQTT_PASSWORD/);
    expect(() => loadConfig({ MQTT_USERNAME: 'u', MQTT_PASSWORD: 'p' })).toThrow(/only with MQTT_URL/);
    expect(() => loadConfig({ MQTT_URL: 'mqtt://h:1', MQTT_USERNAME: 'u', MQTT_PASSWORD: 'p', MQTT_CLIENT_ID: 'a/b' })).toThrow(
      /MQTT_CLIENT_ID/,
    );
    // MQTT_CA_FILE (shared with the simulator and bridge): read for an mqtts:// MQTT_URL only, and then it must be a PEM certificate
    const ext = { MQTT_URL: 'mqtts://h:8883', MQTT_USERNAME: 'u', MQTT_PASSWORD: 'p' };
    expect(() => loadConfig({ ...ext, MQTT_CA_FILE: '/nonexistent/ca.pem' })).toThrow(/MQTT_CA_FILE: cannot read/);
    expect(() => loadConfig({ ...ext, MQTT_CA_FILE: '/etc/hostname' })).toThrow(/MQTT_CA_FILE: .* no PEM certificate/);
    expect(loadConfig({ MQTT_CA_FILE: '/nonexistent/ca.pem' }).mqttExternal).toBeNull();
  });

  it('HEARTBEAT_URL: http or https only; HEARTBEAT_S defaults to 60 and is bounded', () => {
    expect(loadConfig({}).HEARTBEAT_URL).toBeUndefined();
    expect(loadConfig({}).HEARTBEAT_S).toBe(60);
    expect(loadConfig({ HEARTBEAT_URL: 'https://hc-ping.com/abc', HEARTBEAT_S: '30' })).toMatchObject({
      HEARTBEAT_URL: 'https://hc-ping.com/abc',
      HEARTBEAT_S: 30,
    });
    expect(() => loadConfig({ HEARTBEAT_URL: 'ftp://example.org/x' })).toThrow(/HEARTBEAT_URL/);
    expect(() => loadConfig({ HEARTBEAT_URL: 'not a url' })).toThrow(/HEARTBEAT_URL/);
    expect(() => loadConfig({ HEARTBEAT_S: '1' })).toThrow(/HEARTBEAT_S/);
  });

  it('redactHeartbeatUrl keeps only the origin of a URL with a token', () => {
    expect(redactHeartbeatUrl('https://hc-ping.com/5bf66975-d4c7')).toBe('https://hc-ping.com/***');
    expect(redactHeartbeatUrl('https://user:pw@mon.example.org:8443/')).toBe('https://mon.example.org:8443/***');
    expect(redactHeartbeatUrl('https://mon.example.org/?token=x')).toBe('https://mon.example.org/***');
    expect(redactHeartbeatUrl('https://mon.example.org')).toBe('https://mon.example.org/');
    expect(failUrl('https://hc-ping.com/abc/?rid=1')).toBe('https://hc-ping.com/abc/fail?rid=1');
  });

  it('Twilio needs all three credentials or none', () => {
    expect(() => loadConfig({ TWILIO_ACCOUNT_SID: 'AC' + '0'.repeat(32) })).toThrow(/TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM/);
    const c = loadConfig({
      TWILIO_ACCOUNT_SID: 'AC' + 'a'.repeat(32),
      TWILIO_AUTH_TOKEN: 'tok',
      TWILIO_FROM: '+15005550006',
      TWILIO_BASE_URL: 'http://127.0.0.1:4010/',
    });
    expect(c.twilio).toEqual({
      accountSid: 'AC' + 'a'.repeat(32),
      authToken: 'tok',
      from: '+15005550006',
      baseUrl: 'http://127.0.0.1:4010',
    });
  });

  const twilioEnv = { TWILIO_ACCOUNT_SID: 'AC' + 'a'.repeat(32), TWILIO_AUTH_TOKEN: 'tok', TWILIO_FROM: '+15005550006' };

  it('HOST: all interfaces outside production (the demo on a LAN), loopback in production unless set', () => {
    expect(loadConfig({}).HOST).toBe('0.0.0.0');
    expect(loadConfig({ NODE_ENV: 'development' }).HOST).toBe('0.0.0.0');
    expect(loadConfig({ NODE_ENV: 'production', ...twilioEnv }).HOST).toBe('127.0.0.1');
    expect(loadConfig({ NODE_ENV: 'production', ...twilioEnv, HOST: '0.0.0.0' }).HOST).toBe('0.0.0.0');
  });

  it('a bad NODE_ENV stops start-up naming it', () => {
    expect(() => loadConfig({ NODE_ENV: 'prod' })).toThrow(/NODE_ENV/);
  });

  it('NODE_ENV=production refuses the fake SMS provider, naming the Twilio settings', () => {
    try {
      loadConfig({ NODE_ENV: 'production' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM: required with NODE_ENV=production/);
    }
    expect(loadConfig({ NODE_ENV: 'production', ...twilioEnv }).twilio).not.toBeNull();
  });

  it.each(['DEMO_PASSWORD', 'DEMO_DEVICE_SECRET'])('NODE_ENV=production refuses %s (there is no demo in production)', (key) => {
    expect(() => loadConfig({ NODE_ENV: 'production', ...twilioEnv, [key]: 'long-enough-secret' })).toThrow(
      new RegExp(`${key}: .*NODE_ENV=production`),
    );
    expect(loadConfig({ [key]: 'long-enough-secret' })[key as 'DEMO_PASSWORD']).toBe('long-enough-secret');
  });

  it('consent links last CONSENT_LINK_TTL_H hours, 7 days by default', () => {
    expect(loadConfig({}).CONSENT_LINK_TTL_H).toBe(168);
    expect(loadConfig({ CONSENT_LINK_TTL_H: '24' }).CONSENT_LINK_TTL_H).toBe(24);
    expect(() => loadConfig({ CONSENT_LINK_TTL_H: '0' })).toThrow(/CONSENT_LINK_TTL_H/);
  });

  it('empty strings count as unset; PUBLIC_URL follows HTTP_PORT', () => {
    expect(loadConfig({ HTTP_PORT: '', DATA_DIR: '' }).HTTP_PORT).toBe(3000);
    expect(loadConfig({ HTTP_PORT: '8080' }).PUBLIC_URL).toBe('http://localhost:8080');
  });

  it("the password hash cost is OWASP's (2^17) and can be lowered only for tests", () => {
    expect(loadConfig({}).passwordCost).toEqual({ N: 2 ** 17, r: 8, p: 1 });
    expect(loadConfig({ PASSWORD_SCRYPT_LOG2N: '18' }).passwordCost.N).toBe(2 ** 18);
    expect(() => loadConfig({ PASSWORD_SCRYPT_LOG2N: '10' })).toThrow(/PASSWORD_SCRYPT_LOG2N/);
    expect(() =>
      loadConfig({
        PASSWORD_SCRYPT_LOG2N: '10',
        NODE_ENV: 'production',
        TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
        TWILIO_AUTH_TOKEN: 'x',
        TWILIO_FROM: '+447700900000',
      }),
    ).toThrow(/PASSWORD_SCRYPT_LOG2N/);
    expect(loadConfig({ PASSWORD_SCRYPT_LOG2N: '10', NODE_ENV: 'test' }).passwordCost.N).toBe(1024);
    expect(() => loadConfig({ PASSWORD_SCRYPT_LOG2N: '9', NODE_ENV: 'test' })).toThrow(/PASSWORD_SCRYPT_LOG2N/);
  });

  it('METRICS_TOKEN is at least 16 characters', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
    expect(loadConfig({ METRICS_TOKEN: 'x'.repeat(16) }).METRICS_TOKEN).toBe('x'.repeat(16));
  });

  it.each([
    ['false', false],
    ['true', true],
    ['127.0.0.1', ['127.0.0.1']],
    ['10.0.0.0/8, ::1 ,loopback', ['10.0.0.0/8', '::1', 'loopback']],
    ['fd00::/8', ['fd00::/8']],
  ])('TRUST_PROXY=%s', (value, expected) => {
    expect(loadConfig({ TRUST_PROXY: value }).TRUST_PROXY).toEqual(expected);
  });

  it.each(['0', '1', 'yes', '10.0.0.0/33', '10.0.0.1,evil', '::1/129', '1.2.3.4/8/9'])(
    'TRUST_PROXY=%s stops start-up naming it',
    (value) => {
      expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(/TRUST_PROXY/);
    },
  );

  it('TRUST_PROXY defaults to false', () => {
    expect(loadConfig({}).TRUST_PROXY).toBe(false);
  });

  it('VAPID keys: both or neither, in their base64url forms; the subject defaults to an https PUBLIC_URL, else a mailto:', () => {
    const pub = 'B' + 'x'.repeat(86);
    const priv = 'y'.repeat(43);
    expect(loadConfig({ VAPID_PUBLIC_KEY: pub, VAPID_PRIVATE_KEY: priv })).toMatchObject({
      VAPID_PUBLIC_KEY: pub,
      VAPID_PRIVATE_KEY: priv,
    });
    expect(() => loadConfig({ VAPID_PUBLIC_KEY: pub })).toThrow(/VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY: set both/);
    expect(() => loadConfig({ VAPID_PRIVATE_KEY: priv })).toThrow(ConfigError);
    expect(() => loadConfig({ VAPID_PUBLIC_KEY: 'A' + 'x'.repeat(86), VAPID_PRIVATE_KEY: priv })).toThrow(/VAPID_PUBLIC_KEY/);
    expect(() => loadConfig({ VAPID_PUBLIC_KEY: pub, VAPID_PRIVATE_KEY: 'short' })).toThrow(/VAPID_PRIVATE_KEY/);
    expect(() => loadConfig({ VAPID_SUBJECT: 'http://x.example' })).toThrow(/VAPID_SUBJECT/);
    expect(loadConfig({}).VAPID_SUBJECT).toBe('mailto:push@odart.invalid');
    expect(loadConfig({ PUBLIC_URL: 'https://localhost:3000' }).VAPID_SUBJECT).toBe('mailto:push@odart.invalid');
    expect(loadConfig({ PUBLIC_URL: 'https://odart.example.org' }).VAPID_SUBJECT).toBe('https://odart.example.org');
    expect(loadConfig({ VAPID_SUBJECT: 'mailto:ops@example.org' }).VAPID_SUBJECT).toBe('mailto:ops@example.org');
  });

  it('DATABASE_URL: unset is the embedded SQLite store; a postgres:// URL with a database is taken; anything else stops start-up without echoing it', () => {
    expect(loadConfig({}).DATABASE_URL).toBeUndefined();
    expect(loadConfig({ DATABASE_URL: 'postgres://odart:pw@db.example:5432/odart' }).DATABASE_URL).toBe(
      'postgres://odart:pw@db.example:5432/odart',
    );
    expect(loadConfig({ DATABASE_URL: 'postgresql://db/odart' }).DATABASE_URL).toBe('postgresql://db/odart');
    for (const bad of ['mysql://u:hunter22@db/odart', 'postgres://u:hunter22@db', 'not a url hunter22']) {
      try {
        loadConfig({ DATABASE_URL: bad });
        expect.unreachable(bad);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as Error).message).toMatch(/DATABASE_URL: a PostgreSQL URL/);
        expect((err as Error).message).not.toContain('hunter22');
      }
    }
  });

  it('redactDatabaseUrl hides the password (and password-like query parameters) for logs', () => {
    expect(redactDatabaseUrl('postgres://odart:s3cret@db:5432/odart?sslmode=require&sslpassword=k3y')).toBe(
      'postgres://odart:***@db:5432/odart?sslmode=require&sslpassword=***',
    );
    expect(redactDatabaseUrl('postgres://db/odart')).toBe('postgres://db/odart');
    expect(redactDatabaseUrl('::')).not.toContain('::');
  });
});
