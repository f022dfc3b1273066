// The hand-off message forms: CAP 1.2 valid against the OASIS schema whatever the text holds (markup,
// control characters, lone surrogates), Update/Cancel referencing the first Alert, and the detection
// level bands the same as detection's own.
import { describe, expect, it } from 'vitest';
import { levelOf } from '../../detection/fusion.js';
import { capSchemaErrors } from '../../../../test/helpers/alarm-centre.js';
import { changeMessage, levelOfScore, toCap, toJson, type HandoffMessage } from './message.js';

const hostile = 'Flat 2 <b>&amp; "Jo\'s"</b> \u0000\u0007 \uD800 ]]> end';
const first: HandoffMessage = {
  msgType: 'Alert',
  alertId: 'alr_1',
  state: 'escalating',
  level: 'critical',
  reasons: ['no breathing for 30 s', hostile],
  address: hostile,
  alias: hostile,
  link: 'https://odart.example/#/p/abc.0123456789abcdef',
  at: Date.UTC(2026, 0, 1, 12, 0, 0, 500),
  firstAt: Date.UTC(2026, 0, 1, 12, 0, 0, 500),
};

describe('hand-off messages', () => {
  it('CAP: schema-valid with hostile text, escaped, no character XML cannot carry', async () => {
    const xml = toCap(first, { sender: 'odart@odart.example', addresses: 'hoe_1' });
    expect(await capSchemaErrors(xml)).toEqual([]);
    expect(xml).not.toContain('<b>');
    expect([...xml].some((c) => c.charCodeAt(0) < 9 || (c.charCodeAt(0) >= 0xd800 && c.charCodeAt(0) <= 0xdfff))).toBe(false);
    expect(xml).toContain('<sent>2026-01-01T12:00:00+00:00</sent>');
    expect(xml).toContain('<severity>Extreme</severity>');
  });

  it('Update and Cancel reference the first Alert and are schema-valid', async () => {
    for (const change of ['acknowledged', 'resolved', 'cancelled'] as const) {
      const m = changeMessage(first, change, first.at + 60_000);
      const xml = toCap(m, { sender: 'odart@odart.example', addresses: 'hoe_1' });
      expect(await capSchemaErrors(xml)).toEqual([]);
      expect(xml).toContain(`<msgType>${change === 'acknowledged' ? 'Update' : 'Cancel'}</msgType>`);
      expect(xml).toContain('<references>odart@odart.example,odart-alr_1-1767268800500,2026-01-01T12:00:00+00:00</references>');
      expect(toJson(m)).toMatchObject({ type: change === 'acknowledged' ? 'update' : 'cancel', state: change });
    }
  });

  it("the level bands are detection's", () => {
    for (const score of [0, 29, 30, 59, 60, 89, 90, 100]) {
      const d = levelOf(score, false);
      expect(levelOfScore(score)).toBe(d === 'none' ? 'watch' : d);
    }
  });
});
