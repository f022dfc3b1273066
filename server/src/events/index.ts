// Events: the typed bus port, its in-process adapter, and the catalogue of event names.
export { InProcessBus, type EventBus, type Handler, type InProcessBusOptions } from './bus.js';
export type { Events, EventName } from './events.js';
import type { EventBus } from './bus.js';
import type { Events } from './events.js';
/** The server's bus: every part takes this type. */
export type Bus = EventBus<Events>;
