import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { createHash } from 'node:crypto';
import { catchError, from, mergeMap, Observable, of } from 'rxjs';
import { DataSource } from 'typeorm';
import type { AuthedRequest } from '../auth/auth.guard.js';
import { DomainError, ErrorCode } from './domain-error.js';

/**
 * Makes a write safe to retry: with an `Idempotency-Key` header, the first result is stored and a
 * repeat (same key, same API key, same route and body) gets it back without running again. Reusing
 * a key for a different body is refused; a repeat while the first is still running gets 409.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly db: DataSource) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<AuthedRequest>();
    const reply = http.getResponse<FastifyReply>();
    const key = request.headers['idempotency-key'];
    if (key === undefined) return next.handle();
    if (typeof key !== 'string' || key.length < 1 || key.length > 200) {
      throw DomainError.invalidField('Idempotency-Key', 'must be 1 to 200 characters');
    }
    const scope = `${request.principal?.keyId ?? 'anonymous'} ${request.method} ${request.routeOptions?.url ?? request.url}`;
    const hash = createHash('sha256').update(JSON.stringify(request.body ?? null)).digest('hex');
    return from(this.begin(scope, key, hash)).pipe(
      mergeMap((stored) => {
        if (stored) {
          void reply.status(stored.status).header('idempotent-replayed', 'true');
          return of(stored.body);
        }
        return next.handle().pipe(
          mergeMap(async (body) => {
            await this.db.query(`UPDATE idempotency_records SET status_code = $3, response = $4 WHERE scope = $1 AND key = $2`, [
              scope,
              key,
              reply.statusCode,
              JSON.stringify(body ?? null),
            ]);
            return body;
          }),
          // A failed first attempt leaves no record, so the client can retry with the same key.
          catchError(async (err: unknown) => {
            await this.db.query(`DELETE FROM idempotency_records WHERE scope = $1 AND key = $2 AND status_code IS NULL`, [scope, key]);
            throw err;
          }),
        );
      }),
    );
  }

  private async begin(scope: string, key: string, hash: string): Promise<{ status: number; body: unknown } | null> {
    const inserted: unknown[] = await this.db.query(
      `INSERT INTO idempotency_records (scope, key, request_hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING key`,
      [scope, key, hash],
    );
    if (inserted.length) return null;
    const [row]: { request_hash: string; status_code: number | null; response: unknown }[] = await this.db.query(
      `SELECT request_hash, status_code, response FROM idempotency_records WHERE scope = $1 AND key = $2`,
      [scope, key],
    );
    if (!row) return this.begin(scope, key, hash);
    if (row.request_hash !== hash) {
      throw new DomainError(ErrorCode.Unprocessable, 'This Idempotency-Key was already used with a different request body.', [
        { field: 'Idempotency-Key', message: 'was used before with a different body' },
      ]);
    }
    if (row.status_code === null) throw DomainError.conflict('A request with this Idempotency-Key is still being processed; retry shortly.');
    return { status: row.status_code, body: row.response };
  }
}
