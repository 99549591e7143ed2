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
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new DomainError(ErrorCode.Unauthenticated, 'Send an API key as "Authorization: Bearer <key>".');
    const principal = await this.keys.authenticate(match[1]);
    if (!principal) throw new DomainError(ErrorCode.Unauthenticated, 'The API key is unknown or revoked.');
    request.principal = principal;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets) ?? [];
    if (principal.role !== 'admin' && !roles.includes(principal.role)) {
      throw new DomainError(
        ErrorCode.Forbidden,
        `This endpoint needs the ${['admin', ...roles].join(' or ')} role; the key has ${principal.role}.`,
      );
    }
    return true;
  }
}
