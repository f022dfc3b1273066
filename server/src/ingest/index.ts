// Ingest: validated device messages routed to each wearer's detector.
export { Ingest, type IngestDeps } from './ingest.js';
export { DeviceDirectory, type DeviceEntry } from './directory.js';
export { rebuildDetectors, replayWearer, sampleOf, REBUILD_WINDOW_MS, type RebuildDeps, type RebuildResult } from './rebuild.js';
