// The device broker port and its adapters: the embedded aedes broker (per-device authentication and
// ACL) and a client of an external broker (MQTT_URL), with the provisioning port for the latter.
export { Broker, type BrokerDeps } from './broker.js';
export { ExternalBroker, type ExternalBrokerDeps } from './external.js';
export type { DeviceBroker } from './port.js';
export { MosquittoDynsec, type BrokerProvisioning } from './provisioning.js';
