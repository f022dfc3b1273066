// The app channel: a page pushed at once to the responder's open app (the live WebSocket); no
// provider and no queue, so nothing to retry: a user with no open connection is unreached now.
import type { LiveChannel } from '../channel.js';

/** The part of the live hub the app channel needs (structural, so notify/ does not import alerts/). */
export interface AppPush {
  sendTo(userIds: string[], msg: never): number;
}

export const APP = { id: 'app', label: 'App' } as const;

export function appChannel(live: AppPush): LiveChannel {
  return {
    ...APP,
    delivery: 'live',
    push: (userId, page) => live.sendTo([userId], page as never),
  };
}
