// Events: the typed bus port, its in-process adapter, and the catalogue of event names.
export { InProcessBus, type EventBus, type EventOrigin, type Handler, type InProcessBusOptions } from './bus.js';
export { ClusterBus, type BusTransport, type ClusterBusOptions } from './cluster-bus.js';
export { EVENT_SCOPE, crossesNodes, type Events, type EventName, type EventScope } from './events.js';
import type { EventBus } from './bus.js';
import type { Events } from './events.js';
/** The server's bus: every part takes this type. */
export type Bus = EventBus<Events>;
