// Temporary: the protocol moved to packages/protocol (@odart/protocol). This re-export keeps the old
// `../protocol/index.js` imports working until /tmp/packaging-rewrite.sh rewrites them and deletes this file.
export * from '@odart/protocol';
