// Kept so existing imports of './scenarios.js' work: the library lives in scenarios/.
export * from './scenarios/index.js';
