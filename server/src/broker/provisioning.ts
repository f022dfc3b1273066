// The provisioning port: device credentials and ACL put into an external broker (MQTT_URL), so that it
// enforces what the embedded broker enforces: a device logs in with its id (as username and client id)
// and secret, publishes only its own device topics, and subscribes only to its command topic (a gateway
// also to its config topic, and publishes for the devices registered to it).
//
// Secrets are stored as scrypt hashes, so the broker can only be given a password when it is issued:
// at creation and rotation (the admin and bulk routes pass the plaintext through WearerService once).
// `resync` repairs roles and removes accounts of deleted devices, but cannot recreate an account:
// a device made before the external broker was configured must have its secret rotated.
//
// First adapter: Mosquitto 2 dynamic security, over `$CONTROL/dynamic-security/v1`.
import type { MqttClient } from 'mqtt';
import { DEVICE_STREAMS, deviceTopic, gatewayConfigTopic, type GatewayConfigPayload } from '@odart/protocol';
import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../log.js';
import type { Repos } from '../store/index.js';

export interface BrokerProvisioning {
  /**
   * A device was created, re-keyed, edited or deleted (called before `device.changed` is told).
   * `secret`: the plaintext just issued (creation, rotation); the broker account is (re)made with it.
   */
  deviceChanged(deviceId: string, secret?: string): Promise<void>;
  /** Roles of every stored device repaired, accounts of deleted devices removed; lists devices without an account (rotate them). */
  resync(): Promise<{ devices: number; withoutAccount: string[]; removed: string[] }>;
}

export const DYNSEC_TOPIC = '$CONTROL/dynamic-security/v1';
export const DYNSEC_RESPONSE_TOPIC = `${DYNSEC_TOPIC}/response`;
/** The role that carries one device's ACL; its name also marks a broker account as a device's. */
export const deviceRole = (deviceId: string) => `odart-device-${deviceId}`;
const ROLE_PREFIX = 'odart-device-';

type AclType =
  'publishClientSend' | 'publishClientReceive' | 'subscribeLiteral' | 'subscribePattern' | 'unsubscribeLiteral' | 'unsubscribePattern';
interface Acl {
  acltype: AclType;
  topic: string;
  priority?: number;
  allow: boolean;
}
interface DynsecCommand {
  command: string;
  [k: string]: unknown;
}
interface DynsecResponse {
  command: string;
  error?: string;
  data?: Record<string, unknown>;
  correlationData?: string;
}

/** The ACL of a device: publish its own streams; subscribe (literally, no wildcards) to its command topic, a gateway to its config too. */
export function deviceAcls(deviceId: string, gateway: { relayed: readonly string[] } | null): Acl[] {
  const publish = (id: string) =>
    DEVICE_STREAMS.map((s): Acl => ({ acltype: 'publishClientSend', topic: deviceTopic(id, s), allow: true }));
  return [
    ...publish(deviceId),
    ...(gateway ? gateway.relayed.filter((id) => id !== deviceId).flatMap(publish) : []),
    { acltype: 'subscribeLiteral', topic: deviceTopic(deviceId, 'command'), allow: true },
    ...(gateway ? [{ acltype: 'subscribeLiteral' as const, topic: gatewayConfigTopic(deviceId), allow: true }] : []),
  ];
}

export interface MosquittoDynsecDeps {
  /** the server's own connection (its account may use $CONTROL/dynamic-security/#) */
  client: MqttClient;
  repos: Pick<Repos, 'deviceById' | 'allDevices' | 'gateways'>;
  clock: Clock;
  log: Logger;
  /** a control request without an answer by then fails */
  timeoutMs?: number;
}

export class MosquittoDynsec implements BrokerProvisioning {
  private seq = 0;
  private readonly pending = new Map<string, { resolve: (r: DynsecResponse) => void; reject: (e: Error) => void; timer: TimerHandle }>();

  private constructor(private readonly d: MosquittoDynsecDeps) {}

  static async start(d: MosquittoDynsecDeps): Promise<MosquittoDynsec> {
    const p = new MosquittoDynsec(d);
    d.client.on('message', (topic, payload) => {
      if (topic === DYNSEC_RESPONSE_TOPIC) p.onResponse(payload);
    });
    const [granted] = await d.client.subscribeAsync(DYNSEC_RESPONSE_TOPIC, { qos: 1 });
    if (granted?.qos !== 1)
      throw new Error(`MQTT_URL: the server's account may not subscribe to ${DYNSEC_RESPONSE_TOPIC} (docs/operations.md)`);
    return p;
  }

  private onResponse(payload: Buffer): void {
    let body: { responses?: DynsecResponse[] };
    try {
      body = JSON.parse(payload.toString('utf8')) as { responses?: DynsecResponse[] };
    } catch {
      return;
    }
    for (const r of body.responses ?? []) {
      const waiting = r.correlationData === undefined ? undefined : this.pending.get(r.correlationData);
      if (!waiting) continue; // an answer to a request of an earlier run (persistent session)
      this.pending.delete(r.correlationData!);
      waiting.timer.cancel();
      waiting.resolve(r);
    }
  }

  /** Sends the commands in one message; resolves with their answers in order (errors are answers, not rejections). */
  private async request(commands: DynsecCommand[]): Promise<DynsecResponse[]> {
    const timeoutMs = this.d.timeoutMs ?? 10_000;
    const answers = commands.map((c) => {
      const id = `odart-${++this.seq}`;
      c.correlationData = id;
      return new Promise<DynsecResponse>((resolve, reject) => {
        const timer = this.d.clock.setTimeout(() => {
          this.pending.delete(id);
          reject(new Error(`broker provisioning: no answer to ${c.command} within ${timeoutMs} ms`));
        }, timeoutMs);
        this.pending.set(id, { resolve, reject, timer });
      });
    });
    const all = Promise.all(answers);
    // The PUBACK never comes while the broker is unreachable (mqtt.js keeps the packet for the reconnection): the
    // answers' timeout bounds the request either way, and their rejection is never left unhandled.
    await Promise.race([this.d.client.publishAsync(DYNSEC_TOPIC, JSON.stringify({ commands }), { qos: 1 }), all]);
    return all;
  }

  private async one(command: DynsecCommand, ok: (r: DynsecResponse) => boolean = (r) => !r.error): Promise<DynsecResponse> {
    const [r] = await this.request([command]);
    if (!r || !ok(r)) throw new Error(`broker provisioning: ${command.command} failed: ${r?.error ?? 'no answer'}`);
    return r;
  }

  /** The device's broker account, if there is one; throws for an account that is not a device's (the server's own, an operator's). */
  private async deviceClient(deviceId: string): Promise<{ roles: string[] } | null> {
    const r = await this.one({ command: 'getClient', username: deviceId }, (x) => !x.error || /not found/i.test(x.error));
    if (r.error) return null;
    const client = (r.data?.client ?? {}) as { roles?: { rolename: string }[] };
    const roles = (client.roles ?? []).map((x) => x.rolename);
    if (!roles.includes(deviceRole(deviceId))) {
      throw new Error(`broker provisioning: the broker account "${deviceId}" is not a device's; refusing to change it`);
    }
    return { roles };
  }

  /** Creates the device's role or brings its ACL to what the store says. */
  private async syncRole(deviceId: string, kind: string): Promise<void> {
    const rolename = deviceRole(deviceId);
    const r = await this.one({ command: 'getRole', rolename }, (x) => !x.error || /not found/i.test(x.error));
    const have = r.error ? null : (((r.data?.role ?? {}) as { acls?: Acl[] }).acls ?? []);
    await this.send(roleChanges(rolename, await this.wantedAcls(deviceId, kind), have));
  }

  private async wantedAcls(deviceId: string, kind: string): Promise<Acl[]> {
    return deviceAcls(deviceId, kind === 'gateway' ? { relayed: await this.d.repos.gateways.devicesForGateway(deviceId) } : null);
  }

  /** Commands in requests of at most RESYNC_BATCH; any error but a tolerated one fails. */
  private async send(commands: DynsecCommand[], tolerated: (r: DynsecResponse) => boolean = () => false): Promise<void> {
    for (let i = 0; i < commands.length; i += RESYNC_BATCH) {
      for (const a of await this.request(commands.slice(i, i + RESYNC_BATCH))) {
        if (a.error && !tolerated(a)) throw new Error(`broker provisioning: ${a.command} failed: ${a.error}`);
      }
    }
  }

  /** A gateway is told its devices as a retained message on its config topic (the broker hands it over when it subscribes). */
  private async publishGatewayConfig(gatewayId: string, devices: string[] | null): Promise<void> {
    const payload = devices === null ? '' : JSON.stringify({ devices } satisfies GatewayConfigPayload);
    await this.d.client.publishAsync(gatewayConfigTopic(gatewayId), payload, { qos: 1, retain: true });
  }

  async deviceChanged(deviceId: string, secret?: string): Promise<void> {
    const device = await this.d.repos.deviceById(deviceId);
    const account = await this.deviceClient(deviceId);
    if (!device) {
      // deleteClient disconnects the device at once
      if (account) await this.one({ command: 'deleteClient', username: deviceId });
      await this.one({ command: 'deleteRole', rolename: deviceRole(deviceId) }, (x) => !x.error || /not found/i.test(x.error));
      if (secret === undefined) await this.publishGatewayConfig(deviceId, null).catch(() => undefined);
      return;
    }
    await this.syncRole(deviceId, device.kind);
    if (secret !== undefined) {
      // A new secret: the account is made again, which also ends the device's session under the old one.
      if (account) await this.one({ command: 'deleteClient', username: deviceId });
      await this.one({
        command: 'createClient',
        username: deviceId,
        clientid: deviceId,
        password: secret,
        roles: [{ rolename: deviceRole(deviceId), priority: 0 }],
      });
    } else if (!account) {
      this.d.log.warn({ deviceId }, 'device has no broker account (made before MQTT_URL was set?): rotate its secret');
    }
    if (device.kind === 'gateway') await this.publishGatewayConfig(deviceId, await this.d.repos.gateways.devicesForGateway(deviceId));
  }

  /**
   * Every device's role brought to what the store says, the accounts of deleted devices removed: two requests for
   * the broker's clients and roles, then only the changes, in batches (one round trip a device took 3.5 min and
   * more at 10,000 devices, and every node's start waits for it).
   */
  async resync(): Promise<{ devices: number; withoutAccount: string[]; removed: string[] }> {
    const devices = await this.d.repos.allDevices();
    const [list, roleList] = await this.request([
      { command: 'listClients', verbose: true, count: -1, offset: 0 },
      { command: 'listRoles', verbose: true, count: -1, offset: 0 },
    ]);
    for (const r of [list, roleList])
      if (!r || r.error) throw new Error(`broker provisioning: ${r?.command ?? 'list'} failed: ${r?.error ?? 'no answer'}`);
    const clients = ((list!.data?.clients ?? []) as { username: string; roles?: { rolename: string }[] }[]).map((c) => ({
      username: c.username,
      device: (c.roles ?? []).some((r) => r.rolename === deviceRole(c.username)),
    }));
    const roles = new Map(
      ((roleList!.data?.roles ?? []) as { rolename: string; acls?: Acl[] }[]).map((r) => [r.rolename, r.acls ?? []] as const),
    );
    const stored = new Set(devices.map((x) => x.id));
    const withAccount = new Set(clients.filter((c) => c.device).map((c) => c.username));
    const changes: DynsecCommand[] = [];
    for (const dev of devices) {
      const rolename = deviceRole(dev.id);
      changes.push(...roleChanges(rolename, await this.wantedAcls(dev.id, dev.kind), roles.get(rolename) ?? null));
    }
    await this.send(changes);
    const removed = clients.filter((c) => c.device && !stored.has(c.username)).map((c) => c.username);
    await this.send(
      removed.flatMap((username) => [
        { command: 'deleteClient', username },
        { command: 'deleteRole', rolename: deviceRole(username) },
      ]),
      (r) => r.command === 'deleteRole' && /not found/i.test(r.error ?? ''),
    );
    for (const dev of devices) {
      if (dev.kind === 'gateway') await this.publishGatewayConfig(dev.id, await this.d.repos.gateways.devicesForGateway(dev.id));
    }
    return { devices: devices.length, withoutAccount: devices.filter((x) => !withAccount.has(x.id)).map((x) => x.id), removed };
  }
}

/** Commands a request carries at most (a resync's changes at 10,000 devices). */
const RESYNC_BATCH = 200;

/** What makes a role's ACL the one wanted: create it (`have` null: no such role), or remove and add the ACLs that differ. */
function roleChanges(rolename: string, want: readonly Acl[], have: readonly Acl[] | null): DynsecCommand[] {
  if (have === null) return [{ command: 'createRole', rolename, acls: want }];
  const key = (a: Acl) => `${a.acltype} ${a.topic} ${a.allow}`;
  const wantKeys = new Set(want.map(key));
  const haveKeys = new Set(have.map(key));
  return [
    ...have.filter((a) => !wantKeys.has(key(a))).map((a) => ({ command: 'removeRoleACL', rolename, acltype: a.acltype, topic: a.topic })),
    ...want.filter((a) => !haveKeys.has(key(a))).map((a) => ({ command: 'addRoleACL', rolename, ...a })),
  ];
}

/** Role names this adapter owns (tests, operators' scripts). */
export const isDeviceRole = (rolename: string) => rolename.startsWith(ROLE_PREFIX);
