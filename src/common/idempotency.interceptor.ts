import { CallHandler, ExecutionContext, Injectable, Module, NestInterceptor, SetMetadata, type Type } from '@nestjs/common';
import { APP_INTERCEPTOR, ModuleRef, Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { createHash } from 'node:crypto';
import { catchError, from, mergeMap, Observable, of } from 'rxjs';
import { DataSource } from 'typeorm';
import type { AuthedRequest } from '../auth/auth.guard.js';
import { canonicalJson } from './canonical-json.js';
import { unsafeInputFields } from './json-input.js';
import { Clock } from './clock.js';
import { DomainError, ErrorCode } from './domain-error.js';

/** How long a key is remembered: a repeat within this time gets the first result back (as Stripe's keys do). */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60_000;
/**
 * A first attempt that has not finished after this long is taken for abandoned (its process died): a repeat
 * runs again instead of being told forever that it is still being processed. Far longer than any request of
 * this API runs, so a slow first attempt is never run a second time beside it.
 */
export const IDEMPOTENCY_ABANDONED_MS = 5 * 60_000;

const NO_REPLAY = 'idempotency:no-replay';
/** Where the API's routes are; other routes (public pages, tracking) are left alone. */
const API_PREFIX = '/api/';
/** Methods that change nothing, so have nothing to make safe to retry. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Marks a route whose response holds a secret shown only once (a new API key): its response must not be
 * stored, so an Idempotency-Key is refused there (422) rather than silently ignored.
 */
export const NoIdempotentReplay = () => SetMetadata(NO_REPLAY, true);

const REPLAY_SECRET = 'idempotency:replay-secret';

/**
 * Gives back, for a replayed response, the secret its `field` held: read again from where it is kept
 * (encrypted), so the stored response never holds it. Null when it is gone (the resource was deleted since).
 */
export interface ReplaySecret {
  readonly field: string;
  secretFor(stored: Record<string, unknown>): Promise<string | null>;
}

/**
 * Marks a route whose response holds a secret that can be read again (a webhook subscription's signing
 * secret): the response is stored without it and a replay gets it back from `provider` (a provider of the
 * route's module implementing ReplaySecret), so a retried create stays safe without a secret kept in clear.
 */
export const IdempotentReplayWithoutSecret = (provider: Type<ReplaySecret>) => SetMetadata(REPLAY_SECRET, provider);


/**
 * Makes every write of the API safe to retry (registered for all routes; it acts on requests under /api/ other
 * than GET, HEAD and OPTIONS that carry an `Idempotency-Key` header): the first result is stored and a repeat (same
 * key, same API key, same route and body) within IDEMPOTENCY_KEY_TTL_MS gets it back, with
 * `idempotent-replayed: true`, without running again. Reusing a key for a different body is refused (422); a
 * repeat while the first is still running gets 409, unless the first has been running longer than
 * IDEMPOTENCY_ABANDONED_MS (then it is taken over). A first attempt that fails leaves no record. Expired
 * records are deleted by IdempotencyExpiryCron.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly reflector: Reflector,
    private readonly moduleRef: ModuleRef,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<AuthedRequest>();
    const reply = http.getResponse<FastifyReply>();
    const key = request.headers['idempotency-key'];
    const route = request.routeOptions?.url ?? request.url;
    // The API's writes only: the public pages (one-click unsubscribe) are idempotent by themselves and answer on
    // the raw reply, which a stored result could not replay.
    if (key === undefined || SAFE_METHODS.has(request.method) || !route.startsWith(API_PREFIX)) return next.handle();
    if (this.reflector.getAllAndOverride<boolean>(NO_REPLAY, [context.getHandler(), context.getClass()])) {
      throw DomainError.invalidField('Idempotency-Key', 'is not accepted here: the response holds a secret that is shown only once');
    }
    const refused = idempotencyKeyProblem(key);
    if (refused) throw DomainError.invalidField('Idempotency-Key', refused);
    // A body that is refused anyway (a NUL, or nested too deep to hash) is not remembered: UnsafeInputInterceptor,
    // which runs after this one, answers it.
    if (unsafeInputFields(request.body).length) return next.handle();
    const scope = `${request.principal?.keyId ?? 'anonymous'} ${request.method} ${route}`;
    const hash = createHash('sha256').update(canonicalJson(request.body ?? null)).digest('hex');
    const secretProvider = this.reflector.getAllAndOverride<Type<ReplaySecret> | undefined>(REPLAY_SECRET, [context.getHandler(), context.getClass()]);
    const secret = secretProvider ? this.moduleRef.get(secretProvider, { strict: false }) : null;
    return from(this.begin(scope, key as string, hash)).pipe(
      mergeMap((stored) => {
        if (stored) {
          void reply.status(stored.status).header('idempotent-replayed', 'true');
          return from(secret ? withSecret(stored.body, secret) : Promise.resolve(stored.body));
        }
        return next.handle().pipe(
          mergeMap(async (body) => {
            await this.db.query(`UPDATE idempotency_records SET status_code = $3, response = $4 WHERE scope = $1 AND key = $2`, [
              scope,
              key,
              reply.statusCode,
              JSON.stringify((secret ? withoutField(body, secret.field) : body) ?? null),
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

  /**
   * Claims the key for this request (null: run it), or returns the stored result of the first. A record
   * past its time to live, or a first attempt abandoned unfinished, is claimed afresh.
   */
  private async begin(scope: string, key: string, hash: string): Promise<{ status: number; body: unknown } | null> {
    const now = this.clock.now().getTime();
    const claimed: unknown[] = await this.db.query(
      `INSERT INTO idempotency_records AS r (scope, key, request_hash, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (scope, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, status_code = NULL, response = NULL, created_at = EXCLUDED.created_at
        WHERE r.created_at < $5 OR (r.status_code IS NULL AND r.created_at < $6)
       RETURNING key`,
      [scope, key, hash, new Date(now).toISOString(), new Date(now - IDEMPOTENCY_KEY_TTL_MS).toISOString(), new Date(now - IDEMPOTENCY_ABANDONED_MS).toISOString()],
    );
    if (claimed.length) return null;
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

function withoutField(body: unknown, field: string): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const { [field]: _dropped, ...rest } = body as Record<string, unknown>;
  return rest;
}

/** A stored response with its secret read again (left out when the resource is gone). */
async function withSecret(body: unknown, secret: ReplaySecret): Promise<unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const value = await secret.secretFor(body as Record<string, unknown>);
  return value === null ? body : { ...(body as Record<string, unknown>), [secret.field]: value };
}

/** The interceptor for every route of the API (PROCESS_ROLE=api|all). */
/**
 * What is wrong with an Idempotency-Key header that was sent, or undefined: 1 to 200 characters of printable ASCII
 * (a structured-field string, as the header's IETF draft says). Bytes beyond ASCII arrive as Latin-1 characters, so
 * a non-ASCII key would match its retry only as long as the client kept encoding it the same way.
 */
export function idempotencyKeyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string' || key.length < 1 || key.length > 200) return 'must be 1 to 200 characters';
  if (!/^[\x20-\x7e]+$/.test(key)) return 'must be printable ASCII characters';
  return undefined;
}

@Module({ providers: [{ provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor }] })
export class IdempotencyModule {}
