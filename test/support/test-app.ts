import { INestApplicationContext } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createHttpApp, createWorkerApp } from '../../src/app.factory.js';
import { AppConfig, loadConfig, ProcessRole } from '../../src/config/app-config.js';
import { createRootLogger } from '../../src/common/logger.js';
import { Clock } from '../../src/common/clock.js';
import { clearRedisPrefixes } from '../../bench/support/service.js';
import { TestDatabase } from './test-database.js';
import { redisUrl } from './test-env.js';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  db: DataSource;
  database: TestDatabase;
  http: () => ReturnType<typeof request>;
  /** supertest agent with the admin key already set. */
  api: (method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string, key?: string) => request.Test;
  close: () => Promise<void>;
}

export interface TestAppOptions {
  role?: ProcessRole;
  clock?: Clock;
  env?: Record<string, string>;
  database?: TestDatabase;
  queuePrefix?: string;
}

export function testConfig(database: TestDatabase, queuePrefix: string, role: ProcessRole, env: Record<string, string> = {}): AppConfig {
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl(),
    QUEUE_PREFIX: queuePrefix,
    ADMIN_API_KEY: ADMIN_KEY,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    RUN_MIGRATIONS: 'false',
    PROCESS_ROLE: role,
    SCORING_SWEEP_MS: '300',
    PUBLIC_BASE_URL: 'http://nurture.test',
    // Jest cannot load @fastify/static (CommonJS requiring an ES module); the JSON document is still served.
    DOCS_UI: 'false',
    QUEUE_DASHBOARD: 'false',
    ...env,
  });
}

/** Starts the real application on a database of its own and a Redis key prefix of its own. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.database ?? (await TestDatabase.create());
  const queuePrefix = options.queuePrefix ?? `t${randomBytes(4).toString('hex')}`;
  const config = testConfig(database, queuePrefix, options.role ?? 'all', options.env);
  const app = await createHttpApp(config, createRootLogger(config.logLevel), { clock: options.clock });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const server = app.getHttpServer();
  const http = () => request(server);
  const api = (method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string, key = ADMIN_KEY) =>
    request(server)[method](path).set('authorization', `Bearer ${key}`);
  return {
    app,
    config,
    db: app.get(DataSource),
    database,
    http,
    api,
    close: async () => {
      await app.close();
      if (!options.database) await database.drop();
      await clearQueues(queuePrefix);
    },
  };
}

/** A worker-only process context sharing a test app's database and queues. */
export async function startTestWorker(base: TestApp, clock?: Clock): Promise<INestApplicationContext> {
  const config = { ...base.config, processRole: 'worker' as const };
  const worker = await createWorkerApp(config, createRootLogger(config.logLevel), { clock });
  await worker.init();
  return worker;
}

/** Deletes a test's queues and every other Redis key under its prefix. */
export function clearQueues(prefix: string): Promise<void> {
  return clearRedisPrefixes([prefix], redisUrl());
}

/** Polls until `check` returns a truthy value (or throws its last error after the timeout). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 10_000, intervalMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw lastError instanceof Error ? lastError : new Error(`condition not met within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
