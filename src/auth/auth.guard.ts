import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { DomainError, ErrorCode } from '../common/domain-error.js';
import { ApiKeysService } from './api-keys.service.js';
import { Principal, PUBLIC_KEY, Role, ROLES_KEY } from './roles.js';

export type AuthedRequest = FastifyRequest & { principal?: Principal };

/** Every endpoint needs a valid API key and one of its roles, unless marked @Public(). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets) ?? [];
    request.principal = await authorize(this.keys, request.headers.authorization, roles);
    return true;
  }
}

/**
 * The principal of a request's `Authorization: Bearer <key>` header when the key is valid and has one of
 * `roles` (admin has every role); otherwise an Unauthenticated (401) or Forbidden (403) DomainError.
 * The guard's check, for routes served outside Nest (see EventsRoute).
 */
export async function authorize(keys: ApiKeysService, header: unknown, roles: readonly Role[]): Promise<Principal> {
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) throw new DomainError(ErrorCode.Unauthenticated, 'Send an API key as "Authorization: Bearer <key>".');
  const principal = await keys.authenticate(match[1]);
  if (!principal) throw new DomainError(ErrorCode.Unauthenticated, 'The API key is unknown or revoked.');
  if (principal.role !== 'admin' && !roles.includes(principal.role)) {
    throw new DomainError(ErrorCode.Forbidden, `This endpoint needs the ${['admin', ...roles].join(' or ')} role; the key has ${principal.role}.`);
  }
  return principal;
}
