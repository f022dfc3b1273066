// Logs never carry secrets, phone numbers, names or vitals.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './log.js';

describe('log redaction', () => {
  it('redacts health values, phones, names and secrets at the top level and one level down', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const log = createLogger('info', sink);
    log.info(
      { deviceId: 'w1', hr: 41.75, spo2: 83.125, rr: 0.375, phone: '+447700900101', password: 'hunter2', payload: '{"hr":41}' },
      'x',
    );
    log.info({ msg: { to: '+447700900101', body: 'Jo may need help', name: 'Jo' }, vitals: { hr: 41.75 } }, 'y');
    const out = lines.join('\n');
    expect(out).toContain('"deviceId":"w1"');
    for (const secret of ['41.75', '83.125', '0.375', '+447700900101', 'hunter2', 'Jo may need help', '"Jo"'])
      expect(out).not.toContain(secret);
  });
});
