import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { DomainError } from './domain-error.js';
import { unsafeInputFields } from './json-input.js';

/**
 * No field of a request may hold a NUL character or nest past MAX_JSON_DEPTH (see unsafeInputFields): checked
 * for every handler after authentication (a request without a valid key is 401 whatever it holds) and before
 * the validation pipe copies the input (the Idempotency-Key interceptor, which runs first, leaves such a body
 * alone rather than hash it). POST
 * /events, a route of its own, checks each event instead, so one bad event of a batch is that item's rejection.
 */
@Injectable()
export class UnsafeInputInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const errors = [...unsafeInputFields(request.params), ...unsafeInputFields(request.query), ...unsafeInputFields(request.body)];
    if (errors.length) throw DomainError.validation(errors, errors.map((e) => `${e.field}: ${e.message}`).join('; '));
    return next.handle();
  }
}
