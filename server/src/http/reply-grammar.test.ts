// The reply grammar as a table: what each text or keypress reads as, with no store and no provider.
import { describe, expect, it } from 'vitest';
import { readKeypress, readText } from './reply-grammar.js';

describe('reply grammar', () => {
  const responder: [string, { word: string; code: string | null; action: string | null; choice: number | null }][] = [
    ['1', { word: '1', code: null, action: 'ack', choice: 1 }],
    ['ack', { word: 'ACK', code: null, action: 'ack', choice: null }],
    [' going! ', { word: 'GOING', code: null, action: 'ack', choice: null }],
    ['Y', { word: 'Y', code: null, action: 'ack', choice: null }],
    ['no', { word: 'NO', code: null, action: 'decline', choice: null }],
    ['I can\u2019t go', { word: 'NO', code: null, action: 'decline', choice: null }],
    ['cannot', { word: 'NO', code: null, action: 'decline', choice: null }],
    ['busy', { word: 'BUSY', code: null, action: 'decline', choice: null }],
    ['arrived K7XA', { word: 'ARRIVED', code: 'K7XA', action: 'arrived', choice: null }],
    ['here soon', { word: 'HERE', code: null, action: 'arrived', choice: null }],
    ['done k7xa.', { word: 'DONE', code: 'K7XA', action: 'done', choice: null }],
    ['resolved', { word: 'RESOLVED', code: null, action: 'done', choice: null }],
    ['3 K7XA', { word: '3', code: 'K7XA', action: 'outcome', choice: null }],
    ['6', { word: '6', code: null, action: 'outcome', choice: 6 }],
    ['9', { word: '9', code: null, action: null, choice: 9 }],
    ['hello there', { word: 'HELLO', code: null, action: null, choice: null }],
    ['', { word: '', code: null, action: null, choice: null }],
  ];
  it.each(responder)('a responder text %j reads as %j', (text, want) => {
    expect(readText(text).responder).toEqual(want);
  });

  it.each([
    ['YES 123456', { code: '123456' }],
    ['y', { code: null }],
    ['yes!', { code: null }],
    ['YES 12345', null],
    ['no', null],
  ] as const)('a confirmation %j reads as %j', (text, want) => {
    expect(readText(text).confirm).toEqual(want);
  });

  it.each([
    ['YES', { kind: 'yes' }],
    ['stop', { kind: 'stop' }],
    ['LEAVE', { kind: 'stop' }],
    ['pause 2h', { kind: 'pause', ms: 2 * 3600_000 }],
    ['PAUSE 5M', { kind: 'pause_invalid' }],
    ['ARRIVED', null],
  ] as const)('a wearer keyword %j reads as %j', (text, want) => {
    expect(readText(text).wearer).toEqual(want);
  });

  it.each([
    ['1', 'ack'],
    [' 2', 'decline'],
    ['3', null],
    ['', null],
    ['12', null],
  ] as const)('a keypress %j reads as %j', (digits, want) => {
    expect(readKeypress(digits)).toBe(want);
  });
});
