import { describe, expect, it } from 'vitest';
import { InProcessBus } from './bus.js';

interface E {
  a: { n: number };
  b: { s: string };
}

describe('InProcessBus', () => {
  it('delivers to every subscriber of the name, in subscription order, and to no other name', async () => {
    const bus = new InProcessBus<E>();
    const got: string[] = [];
    bus.subscribe('a', (p) => void got.push(`1:${p.n}`));
    bus.subscribe('a', (p) => void got.push(`2:${p.n}`));
    bus.subscribe('b', (p) => void got.push(`b:${p.s}`));
    await bus.publish('a', { n: 7 });
    expect(got).toEqual(['1:7', '2:7']);
  });

  it('runs synchronous handlers before publish returns, and resolves publish only once async handlers settled', async () => {
    const bus = new InProcessBus<E>();
    const got: string[] = [];
    let release!: () => void;
    bus.subscribe('a', () => void got.push('sync'));
    bus.subscribe('a', async () => {
      got.push('async started');
      await new Promise<void>((r) => (release = r));
      got.push('async done');
    });
    const p = bus.publish('a', { n: 1 });
    expect(got).toEqual(['sync', 'async started']);
    let resolved = false;
    void p.then(() => (resolved = true));
    await Promise.resolve();
    expect(resolved).toBe(false);
    release();
    await p;
    expect(got).toEqual(['sync', 'async started', 'async done']);
  });

  it('never throws into the publisher: sync and async failures are logged and counted, the others still run', async () => {
    const logged: string[] = [];
    const counted: string[] = [];
    const log = { error: (o: { event: string }) => logged.push(o.event) } as never;
    const bus = new InProcessBus<E>({ log, onHandlerError: (name) => counted.push(name) });
    let ran = false;
    bus.subscribe('a', () => {
      throw new Error('sync boom');
    });
    bus.subscribe('a', () => Promise.reject(new Error('async boom')));
    bus.subscribe('a', () => void (ran = true));
    await expect(bus.publish('a', { n: 1 })).resolves.toBeUndefined();
    expect(ran).toBe(true);
    expect(counted).toEqual(['a', 'a']);
    expect(logged).toEqual(['a', 'a']);
    expect(bus.errors.get('a')).toBe(2);
  });

  it('idle() waits for handlers still running from a publish nobody awaited', async () => {
    const bus = new InProcessBus<E>();
    let done = false;
    bus.subscribe('b', async () => {
      await new Promise<void>((r) => setImmediate(r));
      done = true;
    });
    void bus.publish('b', { s: 'x' });
    expect(done).toBe(false);
    await bus.idle();
    expect(done).toBe(true);
  });

  it('unsubscribe stops delivery; a handler removed during a delivery still gets that one', async () => {
    const bus = new InProcessBus<E>();
    const got: number[] = [];
    let off2 = () => {};
    bus.subscribe('a', () => off2());
    off2 = bus.subscribe('a', (p) => void got.push(p.n));
    await bus.publish('a', { n: 1 });
    await bus.publish('a', { n: 2 });
    expect(got).toEqual([1]);
  });
});
