import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { DomainError, type FieldError } from './domain-error.js';

/**
 * A handler that declares no body (`@Body()`) takes none, and one that declares no query (`@Query()`) takes no
 * query parameters: what is sent anyway is refused like an unknown field of a DTO (422 naming it), so
 * `POST /programs/{id}/publish {"foo": 1}` and `GET /programs/{id}/stats?foo=1` are not silently accepted.
 * Handlers that read the raw request (`@Req()`, `@Res()`) check their own input.
 */
@Injectable()
export class UndeclaredInputInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const args: Record<string, unknown> = Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), context.getHandler().name) ?? {};
    const declared = new Set(Object.keys(args).map((key) => Number(key.split(':')[0])));
    if (declared.has(RouteParamtypes.REQUEST) || declared.has(RouteParamtypes.RESPONSE)) return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const errors: FieldError[] = [];
    if (!declared.has(RouteParamtypes.BODY) && request.body !== undefined && request.body !== null) {
      if (typeof request.body !== 'object' || Array.isArray(request.body)) errors.push({ field: 'body', message: 'must be empty: this request takes no body' });
      else errors.push(...Object.keys(request.body).map((field) => ({ field, message: 'is not a known field' })));
    }
    if (!declared.has(RouteParamtypes.QUERY) && request.query && typeof request.query === 'object') {
      errors.push(...Object.keys(request.query).map((field) => ({ field, message: 'is not a known query parameter' })));
    }
    if (errors.length) throw DomainError.validation(errors, errors.map((e) => `${e.field}: ${e.message}`).join('; '));
    return next.handle();
  }
}
