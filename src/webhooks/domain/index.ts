export * from './retry-schedule.js';
export * from './secret-rotation.js';
export * from './standard-webhooks.js';
export * from './url-policy.js';
