// Twilio failure classification: which failures are retried and which move on at once
// (Twilio error dictionary: 21211 invalid To, 21610 unsubscribed, 21614 not mobile, 30003-30007 delivery).
import { describe, expect, it } from 'vitest';
import {
  PERMANENT_CODES,
  callStatusOutcome,
  callStatusWords,
  messageStatusFailed,
  messageStatusOutcome,
  messageStatusWords,
  retryableCode,
} from './status.js';
import { classifyTwilioError } from './client.js';

describe('Twilio failure classification', () => {
  it('sync 21211/21610/21614 and async 30004-30007 are permanent; 30003, 30008, 429 and 5xx are retried', () => {
    for (const c of PERMANENT_CODES) expect(retryableCode(c)).toBe(false);
    for (const c of ['30003', '30008', '20429', 'timeout', 'network']) expect(retryableCode(c)).toBe(true);
  });

  it('maps SDK errors: HTTP 5xx and 429 retryable, 4xx with a permanent code not, timeouts and resets retryable', () => {
    expect(classifyTwilioError({ status: 500, code: 20500, message: 'x' })).toMatchObject({ ok: false, code: '20500', retryable: true });
    expect(classifyTwilioError({ status: 429, code: 20429 })).toMatchObject({ retryable: true });
    expect(classifyTwilioError({ status: 400, code: 21610 })).toMatchObject({ code: '21610', retryable: false });
    expect(classifyTwilioError({ status: 400, code: 21614 })).toMatchObject({ code: '21614', retryable: false });
    expect(classifyTwilioError({ code: 'ECONNABORTED', message: 'timeout of 10000ms exceeded' })).toMatchObject({
      code: 'timeout',
      retryable: true,
    });
    expect(classifyTwilioError({ code: 'ECONNRESET' })).toMatchObject({ code: 'network', retryable: true });
    expect(classifyTwilioError(new Error('Required parameter "params[\'to\']" missing.'))).toMatchObject({
      code: 'invalid_request',
      retryable: false,
    });
  });

  it('final call statuses: busy and no-answer retry, failed and canceled do not; message undelivered/failed are failures', () => {
    expect(['completed', 'busy', 'no-answer', 'failed', 'canceled', 'ringing'].map(callStatusOutcome)).toEqual([
      'ok',
      'retryable',
      'retryable',
      'permanent',
      'permanent',
      'pending',
    ]);
    expect(['delivered', 'sent', 'undelivered', 'failed'].map(messageStatusFailed)).toEqual([false, false, true, true]);
    expect(
      [
        ['delivered', null],
        ['undelivered', '30003'],
        ['failed', '30005'],
        ['failed', null],
      ].map(([s, c]) => messageStatusOutcome(s!, c ?? null)),
    ).toEqual(['ok', 'retryable', 'permanent', 'permanent']);
  });

  it("says in a person's words what a message's or call's status callback means (a test page's result)", () => {
    expect(
      [
        ['queued', null],
        ['sent', null],
        ['delivered', null],
        ['read', null],
        ['undelivered', '30003'],
        ['undelivered', '30005'],
        ['failed', '30099'],
        ['failed', null],
      ].map(([s, c]) => messageStatusWords(s!, c ?? null)),
    ).toEqual([
      { result: 'sent', words: 'sent (queued)' },
      { result: 'sent', words: 'sent (sent)' },
      { result: 'delivered', words: 'delivered' },
      { result: 'delivered', words: 'delivered' },
      { result: 'failed', words: 'failed: number unreachable' },
      { result: 'failed', words: 'failed: unknown number' },
      { result: 'failed', words: 'failed: not delivered (error 30099)' },
      { result: 'failed', words: 'failed: not delivered' },
    ]);
    expect(['ringing', 'in-progress', 'completed', 'busy', 'no-answer', 'failed', 'canceled'].map((s) => callStatusWords(s, null))).toEqual(
      [
        { result: 'sent', words: 'sent (ringing)' },
        { result: 'sent', words: 'sent (in-progress)' },
        { result: 'delivered', words: 'answered' },
        { result: 'failed', words: 'failed: line busy' },
        { result: 'failed', words: 'failed: no answer' },
        { result: 'failed', words: 'failed: number unreachable' },
        { result: 'failed', words: 'failed: cancelled' },
      ],
    );
  });
});
