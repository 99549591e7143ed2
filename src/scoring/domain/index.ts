/** The pure scoring domain: model, conditions, decay, event scoring, fit, MQL rule and lifecycle. */
export * from './scoring-model.js';
export * from './iso-duration.js';
export * from './glob.js';
export * from './condition.js';
export * from './decay.js';
export * from './score-events.js';
export * from './fit.js';
export * from './mql-rule.js';
export * from './qualification.js';
export * from './lifecycle.js';
export type { FieldError } from './field-reader.js';
