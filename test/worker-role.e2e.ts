import { INestApplicationContext } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { createWorkerApp } from '../src/app.factory.js';
import { createRootLogger } from '../src/common/logger.js';
import { ProgramScheduler } from '../src/programs/scheduler/program-scheduler.service.js';
import { ScoringBatcher } from '../src/scoring/scoring-batcher.js';
import { SlaBreachService } from '../src/handoffs/sla-breach.service.js';
import { WebhookDeliveryService } from '../src/webhooks/webhook-delivery.service.js';
import { clearQueues, testConfig } from './support/test-app.js';
import { TestDatabase } from './support/test-database.js';

/** A worker process serves no HTTP: it must not carry the API's modules (controllers, DTOs, OpenAPI), only what it runs. */
describe('a worker process (PROCESS_ROLE=worker)', () => {
  let database: TestDatabase;
  let worker: INestApplicationContext;
  const queuePrefix = `t${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    database = await TestDatabase.create();
    const config = testConfig(database, queuePrefix, 'worker');
    worker = await createWorkerApp(config, createRootLogger(config.logLevel));
    await worker.init();
  });
  afterAll(async () => {
    await worker?.close();
    await database?.drop();
    await clearQueues(queuePrefix);
  });

  it('has no controllers in any of its modules', () => {
    const controllers = [...worker.get(ModulesContainer).values()].flatMap((m) => [...m.controllers.values()].map((c) => `${m.name}: ${c.name}`));
    expect(controllers).toEqual([]);
  });

  it('loads none of the API modules', () => {
    const names = [...worker.get(ModulesContainer).values()].map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(['WorkerModule', 'ProgramsModule', 'HandoffsModule', 'WebhooksModule', 'ScoringModule']));
    const apiOnly = /ApiModule$|^(Auth|Health|Leads|Metrics|Privacy|Analytics|Events|Templates|Tracking|SuppressionAdmin)Module$/;
    expect(names.filter((n) => apiOnly.test(n))).toEqual([]);
  });

  it('still has the use cases its consumers and crons run', () => {
    for (const token of [ProgramScheduler, ScoringBatcher, SlaBreachService, WebhookDeliveryService]) expect(worker.get(token)).toBeInstanceOf(token);
  });
});
