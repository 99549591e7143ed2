import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, ErrorCode, FieldError } from './domain-error.js';
import { RepeatedLog } from './repeated-log.js';
import { isUnavailable, TryAgainLater } from './unavailable.js';

const STATUS: Record<ErrorCode, number> = {
  [ErrorCode.Validation]: 422,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.Unauthenticated]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.PayloadTooLarge]: 413,
  [ErrorCode.Unprocessable]: 422,
  [ErrorCode.Gone]: 410,
};

const TITLE: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldError[];
  /** Why, as a word clients can branch on, when the code alone does not say (e.g. why an enrollment was refused). */
  reason?: string;
}

/** Seconds a client is asked to wait before trying again when a backing service is unavailable. */
export const UNAVAILABLE_RETRY_AFTER_S = 5;

/** An error Fastify raises with a 4xx status: a malformed body or URL, a body too large, a content type it does not read. */
interface FastifyClientError {
  statusCode: number;
  code?: string;
  message?: string;
}

function isFastifyClientError(e: unknown): e is FastifyClientError {
  const fe = e as { statusCode?: unknown } | null | undefined;
  return typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500;
}

/** A 400 names what was bad: the URL, or else the body (malformed JSON, say). */
function fastifyProblem(fe: FastifyClientError): Problem {
  const detail =
    fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
      ? 'The request body is larger than the service accepts.'
      : fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
        ? 'Unsupported content type; send application/json.'
        : (fe.message ?? 'Bad request');
  return {
    type: `urn:nurture:problem:http_${fe.statusCode}`,
    title: TITLE[fe.statusCode] ?? 'Error',
    status: fe.statusCode,
    detail,
    ...(fe.statusCode === 400 ? { errors: [{ field: fe.code === 'FST_ERR_BAD_URL' ? 'url' : 'body', message: detail }] } : {}),
  };
}

export function problemOf(exception: unknown): Problem {
  if (exception instanceof DomainError) {
    const status = STATUS[exception.code];
    return {
      type: `urn:nurture:problem:${exception.code}`,
      title: TITLE[status] ?? 'Error',
      status,
      detail: exception.message,
      ...(exception.errors?.length ? { errors: exception.errors } : {}),
      ...(exception.reason ? { reason: exception.reason } : {}),
    };
  }
  if (exception instanceof HttpException) {
    // Nest's Fastify adapter wraps what Fastify refuses (a malformed JSON body, a size, a content type) in an
    // HttpException before any filter runs: the answer is Fastify's error's, whichever way it arrives.
    if (isFastifyClientError(exception.cause) && exception.cause.statusCode === exception.getStatus()) return fastifyProblem(exception.cause);
    const status = exception.getStatus();
    const body = exception.getResponse();
    const message = typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? exception.message);
    return {
      type: status === 404 ? 'urn:nurture:problem:not_found' : `urn:nurture:problem:http_${status}`,
      title: TITLE[status] ?? 'Error',
      status,
      detail: Array.isArray(message) ? message.join('; ') : String(message),
    };
  }
  // Fastify raises its own errors for malformed bodies, sizes and content types (on routes served outside Nest).
  if (isFastifyClientError(exception)) return fastifyProblem(exception);
  if (exception instanceof TryAgainLater) {
    return { type: 'urn:nurture:problem:try_again', title: TITLE[503], status: HttpStatus.SERVICE_UNAVAILABLE, detail: exception.detail };
  }
  if (isUnavailable(exception)) {
    return {
      type: 'urn:nurture:problem:unavailable',
      title: TITLE[503],
      status: HttpStatus.SERVICE_UNAVAILABLE,
      detail: 'The database or Redis cannot be reached right now. Try again shortly.',
    };
  }
  return {
    type: 'urn:nurture:problem:internal',
    title: TITLE[500],
    status: HttpStatus.INTERNAL_SERVER_ERROR,
    detail: 'An unexpected error occurred. It has been logged.',
  };
}

/** How often, at most, requests answered 503 because PostgreSQL or Redis is unreachable are logged. */
export const UNAVAILABLE_REQUEST_LOG_INTERVAL_MS = 10_000;

/**
 * During an outage every request fails the same way: one error line per interval (the latest request's id,
 * and how many were left out) instead of one per request; each request's 503 is in the access log anyway.
 */
const unavailableRequests = new RepeatedLog<{ logger: Pick<Logger, 'error'>; err?: string; reqId?: string }>(
  ({ logger, ...fields }) => logger.error(fields, 'a backing service is unavailable'),
  UNAVAILABLE_REQUEST_LOG_INTERVAL_MS,
);

/**
 * Answers `reply` with the problem+json of `exception` (logging it when it is a 5xx, with the request id,
 * never the body): the filter's answer, for routes served outside Nest.
 */
export function sendProblem(exception: unknown, request: FastifyRequest | undefined, reply: FastifyReply, logger: Pick<Logger, 'error'>): FastifyReply {
  const problem = problemOf(exception);
  if (problem.status === 503 && !(exception instanceof TryAgainLater)) unavailableRequests.report({ logger, err: (exception as Error)?.message, reqId: request?.id });
  else if (problem.status >= 500) logger.error({ err: exception, reqId: request?.id }, 'unhandled error');
  problem.instance = request?.url?.split('?')[0];
  if (problem.status === 503) void reply.header('retry-after', String(UNAVAILABLE_RETRY_AFTER_S));
  return reply.status(problem.status).header('content-type', 'application/problem+json; charset=utf-8').send(problem);
}

/** The one filter that turns every error into application/problem+json (RFC 9457). */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    void sendProblem(exception, ctx.getRequest<FastifyRequest>(), reply, this.logger);
  }
}
