// End to end on PostgreSQL (DATABASE_URL): the real server with its store in a throwaway PostgreSQL cluster
// (test/helpers/postgres.ts). Simulated devices publish an overdose over MQTT/TCP, the alert escalates and alex
// acknowledges it over HTTP; the rows are in PostgreSQL (no SQLite file is made), and a restarted server on the
// same database finds the acknowledged alert.
import { existsSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { expect, it } from 'vitest';
import { generateScenario } from '../simulator/src/scenarios.js';
import { describePostgres } from './helpers/postgres.js';
import { api, connectDemoDevices, disconnectAll, driveTrace, login, startTestServer } from './helpers/server.js';

interface AlertJson {
  id: string;
  state: string;
  wearerId: string;
  attendingResponderId: string | null;
}

describePostgres('PostgreSQL store, end to end', (cluster) => {
  it('an overdose from MQTT vitals raises an alert that alex acknowledges over HTTP, stored in PostgreSQL', async () => {
    const pgc = await cluster();
    const url = await pgc.createDatabase();
    const ts = await startTestServer({ env: { DATABASE_URL: url } });
    let restarted: Awaited<ReturnType<typeof startTestServer>> | undefined;
    const client = new pg.Client({ connectionString: url });
    try {
      const alex = await login(ts.base, 'alex');
      const devices = await connectDemoDevices(ts);
      const sc = generateScenario('overdose', { seed: 7, wearer: 'demo-wearer', wrist: 'demo-wrist', room: 'demo-room' });
      await driveTrace(ts, devices, sc.lines, {
        stopWhen: async () => (await api<AlertJson[]>(ts.base, alex, 'GET', '/api/alerts')).body.some((a) => a.state === 'escalating'),
      });
      const [alert] = (await api<AlertJson[]>(ts.base, alex, 'GET', '/api/alerts')).body;
      expect(alert).toMatchObject({ wearerId: 'demo-wearer', state: 'escalating', attendingResponderId: null });
      expect(devices.get('demo-wrist')!.commands.some((c) => c.type === 'checkin')).toBe(true);

      const ack = await api<{ attending: boolean; alert: AlertJson }>(ts.base, alex, 'POST', `/api/alerts/${alert!.id}/ack`, {});
      expect(ack.status).toBe(200);
      expect(ack.body).toMatchObject({ attending: true, alert: { state: 'acknowledged', attendingResponderId: 'alex' } });
      const detail = await api<{ timeline: { type: string }[] }>(ts.base, alex, 'GET', `/api/alerts/${alert!.id}`);
      expect(detail.body.timeline.map((e) => e.type)).toEqual(
        expect.arrayContaining(['created', 'wearer_prompt', 'escalating', 'escalation_step', 'notified', 'acknowledged']),
      );
      await disconnectAll(devices);

      // The store is PostgreSQL: the rows are there, DATA_DIR holds no database.
      await client.connect();
      const rows = await client.query('select state, attending_responder_id, created_at from alerts');
      expect(rows.rows).toEqual([{ state: 'acknowledged', attending_responder_id: 'alex', created_at: expect.any(String) }]);
      expect((await client.query('select count(*)::int as n from vitals_blocks')).rows[0].n).toBeGreaterThan(0);
      expect(existsSync(path.join(ts.dataDir, 'odart.sqlite'))).toBe(false);

      await ts.close({ keepData: true });
      restarted = await startTestServer({ env: { DATABASE_URL: url }, dataDir: ts.dataDir });
      const again = await api<AlertJson>(restarted.base, await login(restarted.base, 'alex'), 'GET', `/api/alerts/${alert!.id}`);
      expect(again.body).toMatchObject({ state: 'acknowledged', attendingResponderId: 'alex' });
    } finally {
      await client.end().catch(() => {});
      if (restarted) await restarted.close();
      else await ts.close();
      await pgc.dropDatabase(url);
    }
  }, 120_000);
});
