// The alert-episode rules shared by AlertService (with the store) and `evaluate` (virtual time):
// one alert per episode, repeats update it, only a check-in can be cancelled; after responders are
// paged a wearer's OK is recorded and the alert stays open.
import { describe, expect, it } from 'vitest';
import type { Decision } from '../detection/index.js';
import { episodeAction } from './episode.js';

const base = { t: 0, score: 70, level: 'high' as const, reasons: ['no breathing for 15 s'], news2: 3 };
const prompt: Decision = { kind: 'wearer_prompt', windowMs: 15_000, ...base };
const alert: Decision = { kind: 'responder_alert', ...base };
const ok: Decision = { kind: 'cancelled', t: 0, reason: 'wearer_ok' };

describe('episode rules', () => {
  it('a first prompt creates a pending alert; a repeat only updates it', () => {
    expect(episodeAction(null, prompt).action).toBe('create_pending');
    expect(episodeAction('pending_checkin', prompt).action).toBe('update');
    expect(episodeAction('acknowledged', prompt).action).toBe('update');
  });
  it('a responder alert escalates a pending check-in, creates one when none is open, else updates', () => {
    expect(episodeAction('pending_checkin', alert).action).toBe('escalate');
    expect(episodeAction(null, alert).action).toBe('create_escalating');
    expect(episodeAction('escalating', alert).action).toBe('update');
    expect(episodeAction('acknowledged', alert).action).toBe('update');
  });
  it('OK cancels a check-in; after paging it is only reported', () => {
    expect(episodeAction('pending_checkin', ok).action).toBe('cancel');
    expect(episodeAction('escalating', ok).action).toBe('ok_reported');
    expect(episodeAction('acknowledged', ok).action).toBe('ok_reported');
    expect(episodeAction(null, ok).action).toBe('none');
  });
});
