// Enrols the wearers and devices of a trace through the admin API (ids as in the trace), so a
// trace can be replayed against any running system; and removes them again on request.
import { AdminApiError, type AdminClient } from './admin-client.js';
import type { DeviceKindName } from './trace.js';

export interface ProvisionOptions {
  chainId?: string | null;
  responderIds?: string[];
  log?: (line: string) => void;
}

export interface Provisioned {
  secrets: Map<string, string>;
  wearerIds: string[];
}

export async function provisionWearers(
  admin: AdminClient,
  wearers: { id: string; devices: { id: string; kind: DeviceKindName }[] }[],
  o: ProvisionOptions,
): Promise<Provisioned> {
  const body = (withChain: boolean) =>
    wearers.map((w) => ({
      alias: `sim ${w.id}`.slice(0, 60),
      consent: 'active' as const,
      ...(withChain && o.chainId ? { chainId: o.chainId } : {}),
      ...(withChain && o.responderIds?.length ? { responderIds: o.responderIds } : {}),
      devices: w.devices.map((d) => ({ id: d.id, kind: d.kind })),
    }));
  let created;
  try {
    created = await admin.provision(body(true));
  } catch (err) {
    // The demo chain and responders are only a default; a service without them still gets wearers.
    if (!(err instanceof AdminApiError && err.status === 400 && /chainId|responderIds/.test(err.message))) throw err;
    o.log?.(`note: chain/responders not found in this service (${err.message}); wearers enrolled without them`);
    created = await admin.provision(body(false));
  }
  const secrets = new Map<string, string>();
  for (const w of created) for (const d of w.devices) secrets.set(d.id, d.secret);
  return { secrets, wearerIds: created.map((w) => w.id) };
}
