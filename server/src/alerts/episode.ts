// What a detection decision does to a wearer's open alert, as a pure function: the rules
// AlertService applies with the store (one alert per episode, repeats update it, a cancel only
// ends a check-in), so `evaluate` can replay them in virtual time without a database.
import type { Decision } from '../detection/index.js';

export type OpenAlertState = 'pending_checkin' | 'escalating' | 'acknowledged';

export type EpisodeAction =
  | { action: 'create_pending' }
  | { action: 'create_escalating' }
  | { action: 'escalate' }
  | { action: 'update' }
  | { action: 'cancel' }
  /** the wearer said OK (or recovered) after responders were paged: recorded, the alert stays open */
  | { action: 'ok_reported' }
  | { action: 'technical' }
  | { action: 'none' };

/** The action for `dec` given the wearer's open alert state (null = no open alert). */
export function episodeAction(open: OpenAlertState | null, dec: Decision): EpisodeAction {
  switch (dec.kind) {
    case 'wearer_prompt':
      return open ? { action: 'update' } : { action: 'create_pending' };
    case 'responder_alert':
      if (!open) return { action: 'create_escalating' };
      return open === 'pending_checkin' ? { action: 'escalate' } : { action: 'update' };
    case 'update':
      return open ? { action: 'update' } : { action: 'none' };
    case 'cancelled':
      if (!open) return { action: 'none' };
      return open === 'pending_checkin' ? { action: 'cancel' } : { action: 'ok_reported' };
    case 'help':
      return { action: 'none' };
    case 'technical':
      return { action: 'technical' };
    default:
      return dec satisfies never;
  }
}
