// The live alert feed over /api/live: reconnects by itself with capped backoff (at once when the
// network comes back or the tab becomes visible), and each (re)connect starts with the server's
// `hello` snapshot, so alerts raised while offline are caught up.
import type { LiveMsg } from './types.js';

export class LiveFeed {
  private ws: WebSocket | null = null;
  private retryMs = 500;
  private timer: number | undefined;
  private running = false;
  private failures = 0;

  constructor(
    private readonly onMessage: (m: LiveMsg) => void,
    private readonly onState: (online: boolean) => void,
    /** called after repeated failures: the session may have ended */
    private readonly onTrouble: () => void,
  ) {
    window.addEventListener('online', () => this.now());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.now();
    });
  }

  start(): void {
    this.running = true;
    this.connect();
  }

  stop(): void {
    this.running = false;
    window.clearTimeout(this.timer);
    this.ws?.close();
    this.ws = null;
  }

  /** Sends a message to the server if connected (e.g. `seen` for a page); false when offline. */
  send(msg: unknown): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  private now(): void {
    if (!this.running || this.ws) return;
    window.clearTimeout(this.timer);
    this.retryMs = 500;
    this.connect();
  }

  private connect(): void {
    if (!this.running || this.ws) return;
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${proto}://${location.host}/api/live`);
    this.ws = ws;
    ws.onopen = () => {
      this.retryMs = 500;
      this.failures = 0;
      this.onState(true);
    };
    ws.onmessage = (ev) => {
      try {
        this.onMessage(JSON.parse(String(ev.data)) as LiveMsg);
      } catch {
        // one bad frame must not stop the feed
      }
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.onState(false);
      if (!this.running) return;
      // 4401: the server ended this sign-in (signed out, expired, disabled): check at once, no retries first.
      this.failures++;
      if (ev.code === 4401 || this.failures % 3 === 0) this.onTrouble();
      this.timer = window.setTimeout(() => this.connect(), this.retryMs + Math.random() * 250);
      this.retryMs = Math.min(this.retryMs * 2, 5000);
    };
  }
}
