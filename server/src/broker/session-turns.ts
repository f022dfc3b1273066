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
  /** the socket corked in this turn, uncorked at its end */
  private corked: Duplex | null = null;
  /** the end of the turn that has begun (its first acknowledgement), whether or not a socket was corked */
  private turnEnd: NodeJS.Immediate | null = null;
  private inTurn = 0;
  /** acknowledgements of messages handled this turn that the bound put off to the next */
  private deferred: (() => void)[] = [];
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
      this.deferred.push(puback);
      return;
    }
    this.write(puback);
  }

  /** Into this turn: the turn's count and end are kept whether or not there is a socket to cork (it may be gone). */
  private write(puback: () => void): void {
    if (this.inTurn++ === 0) this.turnEnd = setImmediate(() => this.nextTurn());
    const s = this.stream();
    if (s && this.corked !== s && !s.destroyed) {
      this.uncork(); // a socket of an earlier connection: what it holds goes now
      s.cork();
      this.corked = s;
    }
    puback();
  }

  /** The turn ends: its PUBACKs leave in one write, and what the bound put off starts the next turn. */
  private nextTurn(): void {
    this.turnEnd = null;
    this.inTurn = 0;
    this.uncork();
    if (this.ended) return;
    for (const puback of this.deferred.splice(0)) this.ack(puback);
  }

  private uncork(): void {
    const s = this.corked;
    this.corked = null;
    if (s && !s.destroyed) s.uncork();
  }

  /**
   * The session is ending: the PUBACKs of messages handled while this node could act (this turn's, and the one the
   * bound put off) go out now, before a forced end destroys the socket; nothing is acknowledged after this.
   */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const puback of this.deferred.splice(0)) this.write(puback);
    if (this.turnEnd) clearImmediate(this.turnEnd);
    this.turnEnd = null;
    this.inTurn = 0;
    this.uncork();
  }
}
