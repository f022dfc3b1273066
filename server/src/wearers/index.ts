// Wearers: what follows a change of a wearer or device (caches, detector, erasure, broker), the thresholds cache.
export { WearerService, type WearerFollowers, type WearerServiceDeps } from './service.js';
export { WearerThresholds } from './thresholds.js';
