// The acknowledgements of the core's session, by loop turn (issue 14). mqtt.js writes one PUBACK per QoS 1 message,
// and mqtt-packet uncorks the socket on process.nextTick after each, so every PUBACK was a writev syscall of its own
// (~10,000 a second at 10,000 wearers). Here the session's socket is corked on the first PUBACK of a turn and
// uncorked on setImmediate: a turn's PUBACKs leave in one write.
import type { Duplex } from 'node:stream';

export class SessionTurns {
  private corked: Duplex | null = null;
  private flushing: NodeJS.Immediate | null = null;
  private ended = false;

  constructor(
    /** the client's current socket (mqtt.js opens a new one on every reconnect) */
    private readonly stream: () => Duplex | undefined,
  ) {}

  /**
   * Acknowledges a message this node handled: `puback` is mqtt.js's handleMessage callback (it writes the PUBACK,
   * then takes the next message), into this turn's write.
   */
  ack(puback: () => void): void {
    if (this.ended) return;
    const s = this.stream();
    if (s && this.corked !== s && !s.destroyed) {
      this.flush();
      s.cork();
      this.corked = s;
      this.flushing = setImmediate(() => this.flush());
    }
    puback();
  }

  /** Writes what this turn corked. */
  flush(): void {
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
