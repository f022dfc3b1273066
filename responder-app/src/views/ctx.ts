// What every view gets from the app shell: the signed-in user, the live alert state, the alarm, and
// a few shell services (names of colleagues, messages to the user, timers that end with the view).
import type { Alarm } from '../alarm.js';
import type { Alert, User } from '../types.js';

export interface Notice {
  at: string;
  text: string;
  kind: 'consent' | 'technical';
}

export interface Ctx {
  me: User;
  alerts: Map<string, Alert>;
  alarm: Alarm;
  notices: Notice[];
  /** open alerts whose call chain ran out with nobody acknowledging (admins' alarm) */
  exhausted: Set<string>;
  name(userId: string): string;
  /** store an alert (from an action's answer) and re-render unless told not to */
  upsert(a: Alert, rerender?: boolean): void;
  /** show an error or a message in the status area (announced to screen readers) */
  flash(msg: unknown): void;
  /** render the current route again */
  refresh(): void;
  /** an interval that stops when the view changes */
  every(fn: () => void, ms: number): void;
  /** alerts this responder said "I can't go" to */
  declined: Set<string>;
  /** tell screen readers the result of an action (a polite live region) */
  announce(msg: string): void;
  /** the control (by data-focus-key) that gets focus once the view is rebuilt: the next step */
  focusNext(key: string): void;
  /** after async content is built: focus the pending next step, else the control focused before */
  restoreFocus(container: HTMLElement, previousKey?: string): void;
}
