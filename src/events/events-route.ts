import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiKeysService } from '../auth/api-keys.service.js';
import { authorize, type AuthedRequest } from '../auth/auth.guard.js';
import type { Role } from '../auth/roles.js';
import { DomainError } from '../common/domain-error.js';
import { idempotencyKeyProblem } from '../common/idempotency.interceptor.js';
import { sendProblem } from '../common/problem.filter.js';
import { EventsService } from './events.service.js';

export const EVENTS_ROUTE = '/api/v1/events';
/** Who may send events (admin may too). */
export const EVENTS_ROLES: readonly Role[] = ['ingest', 'marketer'];

/**
 * `POST /api/v1/events`: one event, or `{"events": [...]}` with up to 1,000, each reported accepted, duplicate or
 * rejected (202). Every tracked page view and form post of every site comes here, most of them one event per
 * request, so it is a plain Fastify route on the Nest app's instance rather than a controller: Nest's router,
 * guard, pipe and filter chain around a single event cost more CPU than finding its lead. It keeps what that
 * chain gave: the API key and its role (the guard's `authorize`, 401/403), the app-wide body limit and JSON
 * parser, errors as application/problem+json naming the field (the filter's `sendProblem`: parse errors 400,
 * invalid events 422, never a 500 for bad input), and the app-wide hooks (x-request-id, the access log line and
 * the HTTP metric under the route pattern). The `Idempotency-Key` header keys a single event, as before, and
 * each event of a batch that has no idempotencyKey of its own (as `<header>/<index>`).
 */
@Injectable()
export class EventsRoute implements OnModuleInit {
  private readonly logger = new Logger('EventsRoute');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly keys: ApiKeysService,
    private readonly events: EventsService,
  ) {}

  /** Runs during app init, before the server is ready: the only time Fastify accepts new routes. */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    fastify.route({
      method: 'POST',
      url: EVENTS_ROUTE,
      handler: (request, reply) => this.handle(request, reply),
      // Body parse errors (malformed JSON, too large, not JSON) arrive here before the handler runs.
      errorHandler: (error, request, reply) => sendProblem(error, request, reply, this.logger),
    });
  }

  async handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    try {
      (request as AuthedRequest).principal = await authorize(this.keys, request.headers.authorization, EVENTS_ROLES);
      const header = request.headers['idempotency-key'];
      // As on every other write (see IdempotencyInterceptor): a header that is sent is a key, so an empty one is refused, not ignored.
      const refused = header === undefined ? undefined : idempotencyKeyProblem(header);
      if (refused) throw DomainError.invalidField('Idempotency-Key', refused);
      const key = header as string | undefined; // a string once idempotencyKeyProblem found nothing
      const result = await this.events.ingest(request.body, key);
      return reply.code(202).send(result);
    } catch (err) {
      return sendProblem(err, request, reply, this.logger);
    }
  }
}
