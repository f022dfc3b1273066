// Ingest: validated device messages routed to each wearer's detector.
export { DURABLE_STREAMS, Ingest, type IngestDeps } from './ingest.js';
export { DeviceDirectory, type DeviceEntry } from './directory.js';
export { freshDetector, rebuildDetectors, replayWearer, sampleOf, type RebuildDeps, type RebuildResult } from './rebuild.js';
export { DetectorSnapshotter, SNAPSHOT_EVERY_MS, type SnapshotterDeps } from './snapshots.js';
