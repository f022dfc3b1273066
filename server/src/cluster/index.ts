// Node roles and the core lease (issue 14): see core-lease.ts.
export { CoreLease, type CoreLeaseDeps, type CoreStatus, type Role } from './core-lease.js';
