// Versioned schema migrations, one list for both dialects, written with kysely's schema builder. Where SQLite and
// PostgreSQL differ the migration asks `onPostgres(db)`: generated ids (AUTOINCREMENT / bigserial) and floating point
// columns (`real`, which is only 4 bytes on PostgreSQL, and the alert score, fractional in an INTEGER-affinity column on
// SQLite) are double precision there; everything else, integer booleans included, is the same.
// Never edit a released migration's SQLite statements: add the next one.
import { Kysely, Migrator, PostgresAdapter, sql, type ColumnDefinitionBuilder, type Migration, type MigrationProvider } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the untyped schema */
const onPostgres = (db: Kysely<any>): boolean => db.getExecutor().adapter instanceof PostgresAdapter;
/** A generated integer primary key: INTEGER PRIMARY KEY AUTOINCREMENT on SQLite, bigserial on PostgreSQL. */
const idType = (db: Kysely<any>) => (onPostgres(db) ? 'bigserial' : 'integer');
const idColumn = (db: Kysely<any>) => (c: ColumnDefinitionBuilder) => (onPostgres(db) ? c.primaryKey() : c.primaryKey().autoIncrement());
/** A floating point column: REAL on SQLite (8 bytes), double precision on PostgreSQL (its real is 4). */
const float = (db: Kysely<any>) => (onPostgres(db) ? 'double precision' : 'real');
const migrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('services')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('emergency_number', 'text', (c) => c.notNull().defaultTo('999'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('service_id', 'text', (c) => c.notNull().references('services.id'))
        .addColumn('username', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('phone', 'text')
        .addColumn('on_duty', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('chains')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('service_id', 'text', (c) => c.notNull().references('services.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('definition', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('wearers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('service_id', 'text', (c) => c.notNull().references('services.id'))
        .addColumn('alias', 'text', (c) => c.notNull())
        .addColumn('address', 'text')
        .addColumn('access_notes', 'text')
        .addColumn('phone', 'text')
        .addColumn('emergency_contact_phone', 'text')
        .addColumn('chain_id', 'text', (c) => c.references('chains.id'))
        .addColumn('consent', 'text', (c) => c.notNull().defaultTo('pending'))
        .addColumn('thresholds', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('wearer_responders')
        .addColumn('wearer_id', 'text', (c) => c.notNull().references('wearers.id'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addPrimaryKeyConstraint('wearer_responders_pk', ['wearer_id', 'user_id'])
        .execute();
      await db.schema
        .createTable('devices')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('service_id', 'text', (c) => c.notNull().references('services.id'))
        .addColumn('wearer_id', 'text', (c) => c.references('wearers.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint')
        .addColumn('battery', float(db))
        .addColumn('online', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('alerts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('service_id', 'text', (c) => c.notNull().references('services.id'))
        .addColumn('wearer_id', 'text', (c) => c.notNull().references('wearers.id'))
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('score', onPostgres(db) ? 'double precision' : 'integer', (c) => c.notNull())
        .addColumn('reasons', 'text', (c) => c.notNull())
        .addColumn('news2', 'integer')
        .addColumn('chain_snapshot', 'text', (c) => c.notNull())
        .addColumn('escalation_token', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('attending_responder_id', 'text', (c) => c.references('users.id'))
        .addColumn('outcome', 'text')
        .addColumn('note', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('closed_at', 'bigint')
        .execute();
      await db.schema.createIndex('alerts_wearer_state').on('alerts').columns(['wearer_id', 'state']).execute();
      await db.schema.createIndex('alerts_service_created').on('alerts').columns(['service_id', 'created_at']).execute();
      await db.schema
        .createTable('alert_timeline')
        .addColumn('id', idType(db), idColumn(db))
        .addColumn('alert_id', 'text', (c) => c.notNull().references('alerts.id'))
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('alert_timeline_alert').on('alert_timeline').columns(['alert_id', 'id']).execute();
      await db.schema
        .createTable('escalation_jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('alert_id', 'text', (c) => c.notNull().references('alerts.id'))
        .addColumn('step_index', 'integer', (c) => c.notNull())
        .addColumn('due_at', 'bigint', (c) => c.notNull())
        .addColumn('token', 'integer', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('escalation_jobs_due').on('escalation_jobs').columns(['state', 'due_at']).execute();
      await db.schema
        .createTable('notifications')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
        .addColumn('alert_id', 'text', (c) => c.notNull().references('alerts.id'))
        .addColumn('step_index', 'integer', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('provider_id', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('error_code', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('notifications_provider').on('notifications').column('provider_id').execute();
      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('inbound_webhooks')
        .addColumn('sid', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('fake_outbox')
        .addColumn('sid', 'text', (c) => c.primaryKey())
        .addColumn('to', 'text', (c) => c.notNull())
        .addColumn('from', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('status_callback', 'text')
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0002_gateways': {
    // Which devices a gateway (device kind 'gateway') may publish for; the broker ACL reads it.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('gateway_devices')
        .addColumn('gateway_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
        .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('gateway_devices_pk', ['gateway_id', 'device_id'])
        .execute();
      await db.schema.createIndex('gateway_devices_device').on('gateway_devices').column('device_id').execute();
    },
  },
  '0003_escalation': {
    // Durable escalation: leased jobs of several kinds, notifications as a durable send queue with
    // attempts, responder groups, arrival, and a fake voice outbox.
    async up(db: Kysely<any>) {
      await db.schema
        .alterTable('escalation_jobs')
        .addColumn('kind', 'text', (c) => c.notNull().defaultTo('step'))
        .execute();
      await db.schema
        .alterTable('escalation_jobs')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('escalation_jobs').addColumn('claimed_at', 'bigint').execute();
      await db.schema.alterTable('escalation_jobs').addColumn('lease_until', 'bigint').execute();
      await db.schema.alterTable('escalation_jobs').addColumn('finished_at', 'bigint').execute();
      await db.schema.createIndex('escalation_jobs_alert').on('escalation_jobs').columns(['alert_id', 'state']).execute();
      for (const [col, type, def] of [
        ['state', 'text', 'sent'],
        ['kind', 'text', 'page'],
        ['token', 'integer', 0],
        ['priority', 'integer', 1],
        ['attempts', 'integer', 0],
      ] as const) {
        await db.schema
          .alterTable('notifications')
          .addColumn(col, type, (c) => c.notNull().defaultTo(def))
          .execute();
      }
      for (const [col, type] of [
        ['to_addr', 'text'],
        ['user_id', 'text'],
        ['body', 'text'],
        ['next_attempt_at', 'bigint'],
        ['lease_until', 'bigint'],
      ] as const) {
        await db.schema.alterTable('notifications').addColumn(col, type).execute();
      }
      await db.schema.createIndex('notifications_ready').on('notifications').columns(['state', 'next_attempt_at']).execute();
      await db.schema.createIndex('notifications_alert').on('notifications').columns(['alert_id', 'token', 'step_index']).execute();
      await db.schema
        .createTable('notification_attempts')
        .addColumn('id', idType(db), idColumn(db))
        .addColumn('notification_id', 'text', (c) => c.notNull().references('notifications.id'))
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('provider_id', 'text')
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('error_code', 'text')
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('notification_attempts_provider').on('notification_attempts').column('provider_id').execute();
      await db.schema
        .createTable('responder_groups')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('service_id', 'text', (c) => c.notNull().references('services.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('responder_group_members')
        .addColumn('group_id', 'text', (c) => c.notNull().references('responder_groups.id'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addPrimaryKeyConstraint('responder_group_members_pk', ['group_id', 'user_id'])
        .execute();
      await db.schema.alterTable('alerts').addColumn('acknowledged_at', 'bigint').execute();
      await db.schema.alterTable('alerts').addColumn('arrived_at', 'bigint').execute();
      await db.schema.alterTable('alerts').addColumn('attending_contact', 'text').execute();
      await db.schema
        .createTable('fake_calls')
        .addColumn('sid', 'text', (c) => c.primaryKey())
        .addColumn('to', 'text', (c) => c.notNull())
        .addColumn('from', 'text', (c) => c.notNull())
        .addColumn('twiml', 'text', (c) => c.notNull())
        .addColumn('status_callback', 'text')
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0005_console': {
    // Responder app and service console: recent raw vitals (kept VITALS_RETENTION_DAYS), wearer consent
    // (hashed personal-link tokens, consent log, pause), and the room label of a device.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('vitals')
        .addColumn('id', idType(db), idColumn(db))
        .addColumn('wearer_id', 'text', (c) => c.notNull())
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('stream', 'text', (c) => c.notNull())
        .addColumn('t', 'bigint', (c) => c.notNull())
        .addColumn('hr', float(db))
        .addColumn('spo2', float(db))
        .addColumn('rr', float(db))
        .addColumn('activity', float(db))
        .addColumn('on_body', 'integer')
        .addColumn('occupied', 'integer')
        .addColumn('motion', float(db))
        .execute();
      await db.schema.createIndex('vitals_wearer_t').on('vitals').columns(['wearer_id', 't']).execute();
      await db.schema.createIndex('vitals_t').on('vitals').column('t').execute();
      await db.schema
        .createTable('consent_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('wearer_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('consent_tokens_wearer').on('consent_tokens').column('wearer_id').execute();
      await db.schema
        .createTable('consent_events')
        .addColumn('id', idType(db), idColumn(db))
        .addColumn('wearer_id', 'text', (c) => c.notNull())
        .addColumn('service_id', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('via', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('consent_events_wearer').on('consent_events').columns(['wearer_id', 'id']).execute();
      await db.schema.alterTable('wearers').addColumn('consent_version', 'text').execute();
      await db.schema.alterTable('wearers').addColumn('consent_changed_at', 'bigint').execute();
      await db.schema.alterTable('wearers').addColumn('paused_until', 'bigint').execute();
      await db.schema
        .alterTable('wearers')
        .addColumn('pause_reminded', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('devices').addColumn('room', 'text').execute();
    },
  },
  '0006_vitals_blocks': {
    // Raw samples move from one row per sample to blocks of up to 64 samples / 30 s of one device stream
    // (store/vitals.ts): one index entry per sample made SQLite the largest cost of ingest at 10,000
    // wearers. Existing rows are carried over, a block per run of rows, in pages.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('vitals_blocks')
        .addColumn('id', idType(db), idColumn(db))
        .addColumn('wearer_id', 'text', (c) => c.notNull())
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('stream', 'text', (c) => c.notNull())
        .addColumn('t0', 'bigint', (c) => c.notNull())
        .addColumn('t_min', 'bigint', (c) => c.notNull())
        .addColumn('t_max', 'bigint', (c) => c.notNull())
        .addColumn('n', 'integer', (c) => c.notNull())
        .addColumn('samples', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('vitals_blocks_wearer_t').on('vitals_blocks').columns(['wearer_id', 't_min']).execute();
      await db.schema.createIndex('vitals_blocks_t_max').on('vitals_blocks').column('t_max').execute();
      for (let after = 0; ;) {
        const rows: any[] = await db.selectFrom('vitals').selectAll().where('id', '>', after).orderBy('id').limit(5000).execute();
        if (rows.length === 0) break;
        after = Number(rows.at(-1).id);
        const blocks: any[] = [];
        const lastOf = new Map<string, any>();
        for (const r of rows) {
          const t = Number(r.t);
          const sample = r.stream === 'vitals' ? [r.hr, r.spo2, r.rr, r.activity, r.on_body] : [r.occupied, r.motion];
          const key = `${r.wearer_id} ${r.device_id} ${r.stream}`;
          const last = lastOf.get(key);
          if (last && last.n < 64 && Math.max(last.t_max, t) - Math.min(last.t_min, t) <= 30_000) {
            last.data.push(t - last.t0, ...sample);
            last.n++;
            last.t_min = Math.min(last.t_min, t);
            last.t_max = Math.max(last.t_max, t);
          } else {
            const b = {
              wearer_id: r.wearer_id,
              device_id: r.device_id,
              stream: r.stream,
              t0: t,
              t_min: t,
              t_max: t,
              n: 1,
              data: [0, ...sample],
            };
            blocks.push(b);
            lastOf.set(key, b);
          }
        }
        for (let i = 0; i < blocks.length; i += 100) {
          await db
            .insertInto('vitals_blocks')
            .values(blocks.slice(i, i + 100).map(({ data, ...b }) => ({ ...b, samples: JSON.stringify(data) })))
            .execute();
        }
      }
      await db.schema.dropTable('vitals').execute();
    },
  },
  '0007_users_security': {
    // Accounts a service can manage: disabled users, sessions found by user (sign out everywhere),
    // and the browsers a user signed in from before (login throttling spares them: auth/login-throttle.ts).
    async up(db: Kysely<any>) {
      await db.schema.alterTable('users').addColumn('disabled_at', 'bigint').execute();
      await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
      await db.schema
        .createTable('login_devices')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('login_devices_user').on('login_devices').column('user_id').execute();
    },
  },
  '0008_sms_security': {
    // SMS security: fake outbox and fake calls carry their service and wearer (scoped reads, erasure);
    // "I can't go" per alert and target; confirmation of external chain numbers; the numbered choice
    // a number was last asked to make (SMS replies are stateless otherwise).
    async up(db: Kysely<any>) {
      for (const table of ['fake_outbox', 'fake_calls']) {
        await db.schema.alterTable(table).addColumn('service_id', 'text').execute();
        await db.schema.alterTable(table).addColumn('wearer_id', 'text').execute();
        await db.schema.createIndex(`${table}_service`).on(table).columns(['service_id', 'at']).execute();
        await db.schema.createIndex(`${table}_wearer`).on(table).column('wearer_id').execute();
      }
      await db.schema
        .createTable('alert_declines')
        .addColumn('alert_id', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text')
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('alert_declines_pk', ['alert_id', 'target'])
        .execute();
      await db.schema
        .createTable('phone_verifications')
        .addColumn('service_id', 'text', (c) => c.notNull())
        .addColumn('phone', 'text', (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('requested_at', 'bigint', (c) => c.notNull())
        .addColumn('verified_at', 'bigint')
        .addPrimaryKeyConstraint('phone_verifications_pk', ['service_id', 'phone'])
        .execute();
      await db.schema.createIndex('phone_verifications_phone').on('phone_verifications').column('phone').execute();
      await db.schema
        .createTable('sms_choices')
        .addColumn('addr', 'text', (c) => c.primaryKey())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('options', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0009_device_registry': {
    // Ids of deleted devices stay with their service (device_tombstones): an id is a device's MQTT
    // identity, so another service taking it over would inherit whatever still knows it by that id.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('device_tombstones')
        .addColumn('device_id', 'text', (c) => c.primaryKey())
        .addColumn('service_id', 'text', (c) => c.notNull())
        .addColumn('deleted_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0011_alert_view': {
    // The service's own phone line, offered on the alarm screen next to the emergency number.
    async up(db: Kysely<any>) {
      await db.schema.alterTable('services').addColumn('phone', 'text').execute();
    },
  },
  '0012_console_notices': {
    // Admin notices kept per service until an admin dismisses them (they used to live only in the open
    // page), and the country national phone numbers are read in (existing services: GB).
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('notices')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('service_id', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('wearer_id', 'text')
        .addColumn('alert_id', 'text')
        .addColumn('dedup_key', 'text', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('dismissed_at', 'bigint')
        .addColumn('dismissed_by', 'text')
        .execute();
      await db.schema.createIndex('notices_service_open').on('notices').columns(['service_id', 'dismissed_at', 'at']).execute();
      await db.schema.createIndex('notices_dedup').on('notices').columns(['service_id', 'dedup_key', 'dismissed_at']).execute();
      await db.schema
        .alterTable('services')
        .addColumn('default_country', 'text', (c) => c.notNull().defaultTo('GB'))
        .execute();
    },
  },
  '0013_one_open_alert': {
    // One open alert per wearer, enforced by the store (a partial unique index), not only by the
    // per-wearer queue of one process: two nodes, or two connections, cannot both open one.
    // A database could hold duplicates from before (a crash between two decisions): the running code
    // has always treated the newest open alert of a wearer as "the" alert (openAlertForWearer), so the
    // older ones were orphaned. They are closed first, as cancelled, with a timeline entry saying why.
    async up(db: Kysely<any>) {
      const open = ['pending_checkin', 'escalating', 'acknowledged'];
      const rows: { id: string; wearer_id: string; updated_at: number }[] = await db
        .selectFrom('alerts')
        .select(['id', 'wearer_id', 'updated_at'])
        .where('state', 'in', open)
        .orderBy('wearer_id')
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .execute();
      const kept = new Map<string, string>();
      for (const r of rows) {
        const keep = kept.get(r.wearer_id);
        if (keep === undefined) {
          kept.set(r.wearer_id, r.id);
          continue;
        }
        const at = Number(r.updated_at);
        await db.updateTable('alerts').set({ state: 'cancelled', closed_at: at }).where('id', '=', r.id).execute();
        await db
          .insertInto('alert_timeline')
          .values({
            alert_id: r.id,
            at,
            type: 'cancelled',
            data: JSON.stringify({ by: 'migration 0013_one_open_alert', reason: 'a newer alert of the wearer was open', kept: keep }),
          })
          .execute();
      }
      await db.schema
        .createIndex('alerts_one_open_per_wearer')
        .on('alerts')
        .column('wearer_id')
        .unique()
        .where(sql.ref('state'), 'in', sql.raw(`(${open.map((s) => `'${s}'`).join(', ')})`))
        .execute();
    },
  },
  '0014_store_wall': {
    // One open notice per service and dedup key, kept by the database itself, so telling the same notice on
    // two connections at once bumps one row (an upsert) instead of racing a read-then-write.
    async up(db: Kysely<any>) {
      await db.schema
        .createIndex('notices_one_open')
        .unique()
        .on('notices')
        .columns(['service_id', 'dedup_key'])
        .where(sql.ref('dismissed_at'), 'is', null)
        .execute();
    },
  },
  '0018_push_subscriptions': {
    // Web Push subscriptions of app users (issue 16): one row per browser registration; the endpoint is
    // unique, so a browser that subscribes again (or for another user on the same phone) replaces it.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('push_subscriptions')
        .addColumn('endpoint', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('p256dh', 'text', (c) => c.notNull())
        .addColumn('auth', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_ok_at', 'bigint')
        .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('push_subscriptions_user').on('push_subscriptions').column('user_id').execute();
    },
  },
  '0019_core_lease': {
    // The core lease (issue 14): one row naming the node that runs the core (ingest, detection, alerts, escalation),
    // its fencing epoch (bumped on every change of holder) and when the lease runs out. Nodes acquire and renew it
    // with one compare-and-set (store/lease.ts); core writes check the epoch. On SQLite the single node holds it.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('core_lease')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('holder', 'text')
        .addColumn('epoch', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('acquired_at', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('renewed_at', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('expires_at', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.insertInto('core_lease').values({ id: 1, holder: null, epoch: 0, acquired_at: 0, renewed_at: 0, expires_at: 0 }).execute();
    },
  },
  '0020_rotas': {
    // Rotas of responder groups (issue 16.1): weekly shifts in the service's time zone (a new service
    // setting; null reads as Europe/London) and overrides for an absolute interval.
    async up(db: Kysely<any>) {
      await db.schema.alterTable('services').addColumn('time_zone', 'text').execute();
      await db.schema
        .createTable('rota_shifts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('group_id', 'text', (c) => c.notNull().references('responder_groups.id'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('weekday', 'integer', (c) => c.notNull())
        .addColumn('start_min', 'integer', (c) => c.notNull())
        .addColumn('end_min', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('rota_shifts_group').on('rota_shifts').column('group_id').execute();
      await db.schema
        .createTable('rota_overrides')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('group_id', 'text', (c) => c.notNull().references('responder_groups.id'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('replaces_user_id', 'text', (c) => c.references('users.id'))
        .addColumn('start_at', 'bigint', (c) => c.notNull())
        .addColumn('end_at', 'bigint', (c) => c.notNull())
        .addColumn('note', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('rota_overrides_group').on('rota_overrides').columns(['group_id', 'end_at']).execute();
    },
  },
  '0023_naloxone_kits': {
    // Naloxone kits of a service (issue 17): where each is (a box, a pharmacy) or who carries it (a responder), and
    // when it expires; a wearer's home may be given as a point so the alert can show the nearest kits.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('naloxone_kits')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('service_id', 'text', (c) => c.notNull().references('services.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('holder_user_id', 'text', (c) => c.references('users.id'))
        .addColumn('address', 'text')
        .addColumn('latitude', float(db))
        .addColumn('longitude', float(db))
        .addColumn('access_notes', 'text')
        .addColumn('expires_on', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('naloxone_kits_service').on('naloxone_kits').column('service_id').execute();
      await db.schema.alterTable('wearers').addColumn('latitude', float(db)).execute();
      await db.schema.alterTable('wearers').addColumn('longitude', float(db)).execute();
    },
  },
  '0022_handoff': {
    // Alarm-centre hand-off endpoints (issue 17): per service, a URL the page is POSTed to, the shared
    // secret both directions are signed with (HMAC-SHA256; kept because signing needs it), the format.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('handoff_endpoints')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('service_id', 'text', (c) => c.notNull().references('services.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('handoff_endpoints_service').on('handoff_endpoints').column('service_id').execute();
    },
  },
  '0025_event_outbox': {
    // Cross-node events too large for one PostgreSQL NOTIFY (8000 bytes, issue 14): the payload is stored here and
    // the notification carries its id (store/pg-notify.ts); rows older than an hour are deleted as new ones come.
    // Unused on SQLite (one process), made on both so the migration list stays one.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('event_outbox')
        .addColumn('id', idType(db), idColumn(db))
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0027_test_pages': {
    // Test pages (issue 16.3) and the devices' last monitoring command (issue 16.4). One row per method of a test page, with the provider's id of the text or call,
    // so Twilio's later status callbacks (delivered, undelivered, a call's no-answer) move the result on
    // (store/test-pages.ts); the person tested and who sent it are told each change live.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('test_page_results')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('test_page_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('provider_id', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('test_page_results_page').on('test_page_results').column('test_page_id').execute();
      await db.schema.createIndex('test_page_results_provider').on('test_page_results').column('provider_id').execute();
      // When the core last told each device that it is monitored (the minutely `monitoring` command, health/monitoring.ts):
      // the wearer page and the console say "not monitored" when that is over 3 minutes ago (issue 16.4).
      await db.schema.alterTable('devices').addColumn('monitored_at', 'bigint').execute();
    },
  },
  '0030_detector_snapshots': {
    // The detector snapshot of each wearer (issue 14, store/snapshots.ts): what the detector learnt over hours
    // (baselines, room scales, the door, decaying counts), versioned, written by the active core every minute under
    // its fence, read by the next core on takeover. One row per wearer, replaced in place.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('detector_snapshots')
        .addColumn('wearer_id', 'text', (c) => c.primaryKey())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('epoch', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  },
};
/* eslint-enable @typescript-eslint/no-explicit-any */

const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations) };

export async function migrateToLatest<T>(db: Kysely<T>): Promise<string[]> {
  return migrate(db, (m) => m.migrateToLatest());
}

/** Migrates up to and including `name` (tests of a migration's data step). */
export async function migrateTo<T>(db: Kysely<T>, name: string): Promise<string[]> {
  return migrate(db, (m) => m.migrateTo(name));
}

async function migrate<T>(db: Kysely<T>, run: (m: Migrator) => ReturnType<Migrator['migrateToLatest']>): Promise<string[]> {
  const migrator = new Migrator({ db, provider, allowUnorderedMigrations: true });
  const { error, results } = await run(migrator);
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
