// Fake voice provider: accepts every call into the fake_calls table (the demo has no phone line).
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../clock.js';
import type { EscalationRepo } from '../../store/index.js';
import { E164, INVALID_TO, type SmsResult } from '../sms.js';
import type { VoiceCall, VoiceCaller } from '../voice.js';
import { FAKE_FROM } from './fake-sms.js';

export class FakeVoice implements VoiceCaller {
  readonly provider = 'fake' as const;

  constructor(
    private readonly esc: EscalationRepo,
    private readonly clock: Clock,
  ) {}

  async call(c: VoiceCall): Promise<SmsResult> {
    if (!E164.test(c.to)) return INVALID_TO;
    const sid = 'CA' + randomBytes(16).toString('hex');
    await this.esc.insertFakeCall({
      sid,
      to: c.to,
      from: FAKE_FROM,
      twiml: c.twiml,
      status_callback: c.statusCallback ?? null,
      at: this.clock.now(),
      service_id: c.owner?.serviceId ?? null,
      wearer_id: c.owner?.wearerId ?? null,
    });
    return { ok: true, sid, status: 'queued' };
  }
}
