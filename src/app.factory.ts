import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger as Pino } from 'pino';
import { AppModule, AppOverrides } from './app.module.js';
import { createRootLogger, PinoNestLogger } from './common/logger.js';
import { AppConfig } from './config/app-config.js';

/** Builds the HTTP application (API role, or API and workers together). */
export async function createHttpApp(
  config: AppConfig,
  log: Pino = createRootLogger(config.logLevel),
  overrides: AppOverrides = {},
): Promise<NestFastifyApplication> {
  // Imported on demand so that a worker process never loads the HTTP layer (Fastify, Swagger, class-validator, bull-board).
  const { buildHttpApp } = await import('./http-app.js');
  return buildHttpApp(await AppModule.register(config, overrides, true), config, log);
}

/** Builds a worker-only process: queue consumers and crons, no HTTP. */
export async function createWorkerApp(
  config: AppConfig,
  log: Pino = createRootLogger(config.logLevel),
  overrides: AppOverrides = {},
): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(await AppModule.register(config, overrides), { logger: new PinoNestLogger(log), abortOnError: false });
  // Exit with process.exit() once closed (not by re-raising the signal), so pino writes what it still buffers:
  // the lines logged while shutting down were lost otherwise.
  app.enableShutdownHooks([], { useProcessExit: true });
  return app;
}
