// Fake SMS provider: accepts every message into the outbox table (visible at GET /api/outbox).
import { randomBytes } from 'node:crypto';
import type { Repos } from '../../store/index.js';
import type { Clock } from '../../clock.js';
import { E164, INVALID_TO, type SmsMessage, type SmsResult, type SmsSender } from '../sms.js';

export const FAKE_FROM = '+15005550006';

export class FakeSms implements SmsSender {
  readonly provider = 'fake' as const;

  constructor(
    private readonly repos: Repos,
    private readonly clock: Clock,
  ) {}

  async send(msg: SmsMessage): Promise<SmsResult> {
    if (!E164.test(msg.to)) return INVALID_TO;
    const sid = 'SM' + randomBytes(16).toString('hex');
    await this.repos.insertOutbox({
      sid,
      to: msg.to,
      from: FAKE_FROM,
      body: msg.body,
      status_callback: msg.statusCallback ?? null,
      at: this.clock.now(),
      service_id: msg.owner?.serviceId ?? null,
      wearer_id: msg.owner?.wearerId ?? null,
    });
    return { ok: true, sid, status: 'queued' };
  }
}
