// The acknowledgements of the core's session, by loop turn (issue 14). mqtt.js writes one PUBACK per QoS 1 message,
// and mqtt-packet uncorks the socket on process.nextTick after each, so every PUBACK was a writev syscall of its own
// (~10,000 a second at 10,000 wearers). Here the session's socket is corked on the first PUBACK of a turn and
// uncorked on setImmediate: a turn's PUBACKs leave in one write. And mqtt.js handles what one read brought in
// nextTicks without yielding: after `maxPerTurn` messages in one turn the next acknowledgement (and so the next
// message: mqtt.js waits for it) is put off to setImmediate, so timers and other sockets run during a backlog.
import type { Duplex } from 'node:stream';

/** Messages handled in one loop turn before the session yields: at ~35-40 us of server CPU a message (`npm run bench --
 * --only=ingest-cpu`, docs/performance.md) about 11-12 ms of loop, well inside the detection tick (100 ms). */
export const SESSION_MAX_PER_TURN = 300;

export class SessionTurns {
  private corked: Duplex | null = null;
  private flushing: NodeJS.Immediate | null = null;
  private inTurn = 0;
  private ended = false;

  constructor(
    /** the client's current socket (mqtt.js opens a new one on every reconnect) */
    private readonly stream: () => Duplex | undefined,
    private readonly maxPerTurn = SESSION_MAX_PER_TURN,
  ) {}

  /**
   * Acknowledges a message this node handled: `puback` is mqtt.js's handleMessage callback (it writes the PUBACK,
   * then takes the next message). Now, into this turn's write; or on the next turn once this one has had its share.
   */
  ack(puback: () => void): void {
    if (this.ended) return;
    if (this.inTurn >= this.maxPerTurn) {
      // the session's acknowledgement left (or not) with the session: a message handled and not acknowledged
      // because the session closed meanwhile is delivered again to the next core (at least once, never lost)
      setImmediate(() => {
        if (!this.ended) this.ack(puback);
      });
      return;
    }
    this.inTurn++;
    const s = this.stream();
    if (s && this.corked !== s && !s.destroyed) {
      this.flush();
      s.cork();
      this.corked = s;
      this.flushing = setImmediate(() => this.flush());
    }
    puback();
  }

  /** Writes what this turn corked; the next message starts a new turn's count. */
  flush(): void {
    this.inTurn = 0;
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = null;
    const s = this.corked;
    this.corked = null;
    if (s && !s.destroyed) s.uncork();
  }

  /**
   * The session is ending: the PUBACKs already written (messages handled while this node could act) go out now,
   * before a forced end destroys the socket; nothing is acknowledged after this.
   */
  end(): void {
    this.flush();
    this.ended = true;
  }
}
