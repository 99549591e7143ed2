import { DynamicModule, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger as Pino } from 'pino';
import { acceptJsonBodies, clientErrorProblem } from './common/fastify-errors.js';
import { ProblemFilter, sendProblem } from './common/problem.filter.js';
import { PinoNestLogger } from './common/logger.js';
import { UndeclaredInputInterceptor } from './common/undeclared-input.interceptor.js';
import { UnsafeInputInterceptor } from './common/unsafe-input.interceptor.js';
import { createValidationPipe } from './common/validation.js';
import { AppConfig } from './config/app-config.js';
import { MetricsService } from './metrics/metrics.service.js';
import { setupOpenApi } from './openapi.js';
import { setupQueueDashboard } from './operations/queue-dashboard.js';

/** Builds the HTTP application around the root module: Fastify, request logging and metrics, validation, errors, OpenAPI. */
export async function buildHttpApp(root: DynamicModule, config: AppConfig, log: Pino): Promise<NestFastifyApplication> {
  const httpLogger = new Logger('Http');
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    trustProxy: true,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // What Fastify and Node refuse before a route runs (a malformed URL, unreadable HTTP) is problem+json too.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => void sendProblem(error, request, reply, httpLogger),
    clientErrorHandler: clientErrorProblem,
  });
  const app = await NestFactory.create<NestFastifyApplication>(root, adapter, {
    logger: new PinoNestLogger(log),
    bufferLogs: false,
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  acceptJsonBodies(app, config.bodyLimitBytes);
  const metrics = app.get(MetricsService);
  // One structured line per request: the route pattern, never the raw URL (tracking tokens live in paths).
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.observeHttp(request.method, request.routeOptions?.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    log.info(
      {
        reqId: request.id,
        method: request.method,
        route: request.routeOptions?.url ?? 'unmatched',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
    done();
  });
  fastify.addHook('onSend', (request, reply, _payload, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  app.useGlobalFilters(new ProblemFilter());
  app.useGlobalPipes(createValidationPipe());
  // After the guards, and after the Idempotency-Key interceptor (a module's), which remembers no request they refuse.
  app.useGlobalInterceptors(new UnsafeInputInterceptor(), new UndeclaredInputInterceptor());
  // Exit with process.exit() once closed (not by re-raising the signal), so pino writes what it still buffers:
  // the lines logged while shutting down were lost otherwise.
  app.enableShutdownHooks([], { useProcessExit: true });
  setupOpenApi(app, config.docsUi);
  if (config.queueDashboard) await setupQueueDashboard(app);
  return app;
}
