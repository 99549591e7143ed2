export * from './intent-tier.js';
export * from './office-hours.js';
export { parseClockTime } from './office-week.js';
export * from './priority.js';
export * from './round-robin.js';
export * from './sales-moves.js';
export * from './sla.js';
export * from './closure.js';
export * from './territory.js';
