// Admin API client for the simulator: signs in as a service admin and enrols or removes virtual
// wearers and devices (in bulk where the server offers it), so load and replay runs clean up after themselves.
import type { DeviceKindName } from './trace.js';

/** The server refuses state-changing /api requests without it (CSRF defence; a browser form cannot set it). */
const CSRF_HEADER = 'x-odart-csrf';

export interface BulkWearer {
  alias: string;
  consent?: 'pending' | 'active';
  chainId?: string | null;
  responderIds?: string[];
  devices: { id?: string; kind: DeviceKindName }[];
}
export interface ProvisionedWearer {
  id: string;
  alias: string;
  devices: { id: string; kind: DeviceKindName; secret: string }[];
}

export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AdminApiError';
  }
}

/** Every request is bounded, so a load run always ends (a bulk request of 1,000 takes seconds). */
const REQUEST_TIMEOUT_MS = 120_000;

/** Server limit of one bulk request (routes-bulk.ts). */
const BULK = 1000;

export class AdminClient {
  private constructor(
    readonly base: string,
    private readonly cookie: string,
  ) {}

  /** the session cookie (for a WebSocket to /api/live as the same user) */
  get sessionCookie(): string {
    return this.cookie;
  }

  static async login(base: string, username: string, password: string): Promise<AdminClient> {
    const res = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [CSRF_HEADER]: '1' },
      body: JSON.stringify({ username, password }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (res.status !== 200) throw new AdminApiError(res.status, 'login', `cannot sign in to ${base} as ${username} (HTTP ${res.status})`);
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    return new AdminClient(base, cookie);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(this.base + path, {
      method,
      headers: { cookie: this.cookie, [CSRF_HEADER]: '1', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    const json: unknown = text ? JSON.parse(text) : null;
    if (res.status >= 400) {
      const err = (json as { error?: { code?: string; message?: string } } | null)?.error;
      throw new AdminApiError(
        res.status,
        err?.code ?? 'unknown',
        `${method} ${path}: HTTP ${res.status} ${err?.code ?? ''} ${err?.message ?? ''}`.trim(),
      );
    }
    return json as T;
  }

  /** Enrols wearers with their devices, BULK per request; the secrets come back once. */
  async provision(wearers: BulkWearer[], onProgress?: (done: number) => void): Promise<ProvisionedWearer[]> {
    const out: ProvisionedWearer[] = [];
    for (let i = 0; i < wearers.length; i += BULK) {
      const res = await this.request<{ wearers: ProvisionedWearer[] }>('POST', '/api/admin/wearers/bulk', {
        wearers: wearers.slice(i, i + BULK),
      });
      out.push(...res.wearers);
      onProgress?.(out.length);
    }
    return out;
  }

  /** Removes wearers with their devices, alerts and data. */
  async remove(wearerIds: string[]): Promise<number> {
    let n = 0;
    for (let i = 0; i < wearerIds.length; i += BULK) {
      n += (await this.request<{ deleted: number }>('POST', '/api/admin/wearers/bulk-delete', { ids: wearerIds.slice(i, i + BULK) }))
        .deleted;
    }
    return n;
  }
}
