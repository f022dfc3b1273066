// Embedded MQTT broker with per-device authentication and ACL.
export { Broker, type BrokerDeps } from './broker.js';
