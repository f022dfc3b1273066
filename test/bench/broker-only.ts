// Baseline for the ingest benchmark: the embedded broker (aedes, same options as the server) with no
// authentication, no validation and no detection, passing messages through to subscribers.
import net from 'node:net';
import { Aedes } from 'aedes';

const aedes = await Aedes.createBroker({
  drainTimeout: 10_000,
  connectTimeout: 10_000,
  maxClientsIdLength: 128,
  maxTopicLevels: 8,
  queueLimit: 100,
});
const server = net.createServer((socket) => {
  socket.on('error', () => undefined);
  aedes.handle(socket);
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`broker-only MQTT port ${(server.address() as net.AddressInfo).port}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  aedes.close(() => process.exit(0));
});
