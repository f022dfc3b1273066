// SessionTurns on a real stream.Duplex whose writes are counted: what leaves in one write, the turn's bound, and
// what the end of a session acknowledges. The session's PUBACKs are stood in for by 4-byte writes (a PUBACK's size).
import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SessionTurns } from './session-turns.js';

class CountingSocket extends Duplex {
  /** one entry per write that reached the "socket": the number of PUBACKs in it */
  readonly writes: number[] = [];
  constructor() {
    super({ writableHighWaterMark: 16_384 });
  }
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.writes.push(chunk.length / 4);
    done();
  }
  override _writev(chunks: { chunk: Buffer }[], done: () => void): void {
    this.writes.push(chunks.reduce((n, c) => n + c.chunk.length, 0) / 4);
    done();
  }
}

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

/** mqtt.js's part: a message's PUBACK is written when handleMessage calls back, then the next message is taken. */
function session(turns: SessionTurns, socket: () => Duplex | undefined, messages: number): { acked: number[] } {
  const acked: number[] = [];
  const take = (i: number) => {
    if (i >= messages) return;
    turns.ack(() => {
      socket()?.write(Buffer.alloc(4));
      acked.push(i);
      // mqtt.js takes the next packet on process.nextTick
      process.nextTick(() => take(i + 1));
    });
  };
  take(0);
  return { acked };
}

async function turnsUntil(done: () => boolean, max = 50): Promise<number> {
  let n = 0;
  while (!done() && n < max) {
    await nextTurn();
    n++;
  }
  return n;
}

describe('SessionTurns', () => {
  it('the PUBACKs of one turn leave in one write; a turn takes at most its bound, then the next turn goes on', async () => {
    const s = new CountingSocket();
    const turns = new SessionTurns(() => s, 100);
    const { acked } = session(turns, () => s, 250);
    await turnsUntil(() => acked.length === 250);
    await nextTurn();
    expect(acked).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(s.writes).toEqual([100, 100, 50]);
  });

  it('with no socket to write to (the connection dropped while messages were handled) the turns still go on', async () => {
    // mqtt.js hands packets it already read to handleMessage after its socket closed; the count of a turn must end
    // with the turn even when nothing was corked, or every later acknowledgement waits for a turn that never ends
    // and the session takes no more messages, on the next connection too
    let s: CountingSocket | undefined = undefined;
    const turns = new SessionTurns(() => s, 3);
    const { acked } = session(turns, () => s, 10);
    await turnsUntil(() => acked.length === 10, 20);
    expect(acked).toHaveLength(10);
    await nextTurn();
    // reconnected: the new socket's turns work as before
    s = new CountingSocket();
    const again = session(turns, () => s, 5);
    await turnsUntil(() => again.acked.length === 5, 20);
    await nextTurn();
    expect(again.acked).toHaveLength(5);
    expect(s.writes).toEqual([3, 2]);
  });

  it('a destroyed socket is not corked; the turns go on', async () => {
    const dead = new CountingSocket();
    dead.destroy();
    const turns = new SessionTurns(() => dead, 2);
    const { acked } = session(turns, () => undefined, 7);
    await turnsUntil(() => acked.length === 7, 20);
    expect(acked).toHaveLength(7);
  });

  it('end(): what this turn corked is written, the acknowledgement the bound put off goes with it, nothing after', async () => {
    const s = new CountingSocket();
    const turns = new SessionTurns(() => s, 3);
    const { acked } = session(turns, () => s, 10);
    // the three of this turn are taken; the fourth was handled and waits for the next turn
    await new Promise<void>((r) => process.nextTick(() => process.nextTick(() => process.nextTick(() => process.nextTick(r)))));
    expect(acked).toEqual([0, 1, 2]);
    expect(s.writes).toEqual([]);
    turns.end();
    expect(acked).toEqual([0, 1, 2, 3]);
    await nextTurn();
    expect(s.writes).toEqual([4]);
    // ended: the next message mqtt.js hands over is not acknowledged
    await turnsUntil(() => false, 3);
    expect(acked).toEqual([0, 1, 2, 3]);
    turns.ack(() => acked.push(99));
    expect(acked).toEqual([0, 1, 2, 3]);
  });
});
