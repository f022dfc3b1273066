// The app channel: a page pushed at once to the responder's open app (the live WebSocket); no
// provider and no queue, so nothing to retry: a user with no open connection is unreached now.
import type { AlertRow } from '../../store/index.js';
import type { LiveChannel } from '../channel.js';

/**
 * Pages a user's open app connections at once and says how many got it (0: the app is not open).
 * A port, not an event: the step needs the count now to decide fallback. alerts/ implements it
 * (the `page` message of /api/live), so notify/ never imports alerts/.
 */
export interface AppPager {
  page(userId: string, alert: AlertRow, wearerAlias: string, step: number): number;
}

export const APP = { id: 'app', label: 'App', reaches: 'person' } as const;

export function appChannel(pager: AppPager): LiveChannel {
  return {
    ...APP,
    delivery: 'live',
    push: (userId, page) => pager.page(userId, page.alert, page.alias, page.step),
  };
}
