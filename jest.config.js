// Jest runs TypeScript as native ES modules through SWC (decorator metadata kept for Nest DI).
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 30000,
  maxWorkers: 2,
  // A worker is replaced once its heap passes this after a file (each ESM test file leaves its module graph behind): with
  // heaps past 500 MB in workers that ran dozens of e2e files, exiting took longer than Jest waits and it warned of a leak.
  workerIdleMemoryLimit: '512MB',
  // Each file closes its app, database and Redis clients; this only guards CI against a stray timer in a library.
  forceExit: true,
};
