import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpException } from '@nestjs/common';
import { problemOf, sendProblem } from './problem.filter.js';
import { isUnavailable, TryAgainLater } from './unavailable.js';

describe('problems for errors of the backing services', () => {
  const sys = (code: string, message = code) => Object.assign(new Error(message), { code });

  it.each([
    ['a refused connection', sys('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['a reset connection', sys('ECONNRESET')],
    ['pg: the server closed the connection', new Error('Connection terminated unexpectedly')],
    ['pg-pool: no connection in time', new Error('timeout exceeded when trying to connect')],
    ['PostgreSQL shutting down (57P01)', sys('57P01', 'terminating connection due to administrator command')],
    ['PostgreSQL starting up (57P03)', sys('57P03', 'the database system is starting up')],
    ['no connection slot left (53300)', sys('53300', 'sorry, too many clients already')],
    ['a connection exception (08006)', sys('08006', 'connection failure')],
    ['TypeORM wrapping a driver error', Object.assign(new Error('Query failed'), { driverError: sys('57P01', 'terminating connection') })],
    ['an error caused by one', new Error('could not enqueue', { cause: new Error('Connection is closed.') })],
    ['ioredis giving up a command', new Error('Reached the max retries per request limit (which is 20). Refer to "maxRetriesPerRequest" option for details.')],
  ])('answers %s with 503 and a problem of its own', (_name, err) => {
    expect(isUnavailable(err)).toBe(true);
    expect(problemOf(err)).toMatchObject({ status: 503, type: 'urn:nurture:problem:unavailable', title: 'Service Unavailable' });
  });

  it.each([
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a unique violation (23505)', sys('23505', 'duplicate key value violates unique constraint')],
    ['a protocol violation (08P01): the server is up and refused what it was sent', sys('08P01', 'invalid message format')],
    ['a query error (42P01)', Object.assign(new Error('Query failed'), { driverError: sys('42P01', 'relation "x" does not exist') })],
    ['nothing at all', undefined],
  ])('still answers %s with 500', (_name, err) => {
    expect(isUnavailable(err)).toBe(false);
    expect(problemOf(err)).toMatchObject({ status: 500, type: 'urn:nurture:problem:internal' });
  });
});

describe('logging the errors answered', () => {
  const reply = () => {
    const sent: { status?: number; headers: Record<string, string>; body?: unknown } = { headers: {} };
    const r = {
      status: (code: number) => ((sent.status = code), r),
      header: (name: string, value: string) => ((sent.headers[name] = value), r),
      send: (body: unknown) => ((sent.body = body), r),
    };
    return { r: r as unknown as FastifyReply, sent };
  };
  const request = (id: string) => ({ id, url: '/api/v1/leads?x=1' }) as FastifyRequest;

  it('logs requests answered 503 during an outage once per interval, the others every time', () => {
    const lines: [unknown, string][] = [];
    const logger = { error: (fields: unknown, msg: string) => void lines.push([fields, msg]) };
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    for (let i = 0; i < 50; i++) {
      const { r, sent } = reply();
      sendProblem(refused, request(`req-${i}`), r, logger);
      expect(sent.status).toBe(503);
      expect(sent.headers['retry-after']).toBe('5');
    }
    expect(lines).toEqual([[{ err: 'connect ECONNREFUSED 127.0.0.1:5432', reqId: 'req-0', suppressed: 0 }, 'a backing service is unavailable']]);
    for (let i = 0; i < 3; i++) sendProblem(new TypeError('x is undefined'), request(`bug-${i}`), reply().r, logger);
    expect(lines.slice(1).map(([, msg]) => msg)).toEqual(['unhandled error', 'unhandled error', 'unhandled error']);
  });
});

describe('a passing failure inside the service (TryAgainLater)', () => {
  it('is answered 503 with Retry-After and its public detail, and logged every time with its message', () => {
    const lines: [unknown, string][] = [];
    const logger = { error: (fields: unknown, msg: string) => void lines.push([fields, msg]) };
    const err = new TryAgainLater('the MJML thread exited (code 1) before it finished', 'Try again shortly.');
    for (let i = 0; i < 2; i++) {
      const sent: { status?: number; headers: Record<string, string>; body?: unknown } = { headers: {} };
      const r = {
        status: (code: number) => ((sent.status = code), r),
        header: (name: string, value: string) => ((sent.headers[name] = value), r),
        send: (body: unknown) => ((sent.body = body), r),
      };
      sendProblem(err, { id: `req-${i}`, url: '/api/v1/templates' } as FastifyRequest, r as unknown as FastifyReply, logger);
      expect(sent).toMatchObject({ status: 503, headers: { 'retry-after': '5' }, body: { type: 'urn:nurture:problem:try_again', detail: 'Try again shortly.' } });
    }
    expect(lines).toEqual([
      [{ err, reqId: 'req-0' }, 'unhandled error'],
      [{ err, reqId: 'req-1' }, 'unhandled error'],
    ]);
  });
});

describe('problems for what Fastify refuses before a route runs', () => {
  const fastifyError = (code: string, statusCode: number, message: string) => Object.assign(new Error(message), { code, statusCode });
  const malformed = fastifyError('FST_ERR_CTP_INVALID_JSON_BODY', 400, "Body is not valid JSON but content-type is set to 'application/json'");

  it('names the body on a malformed JSON body raised by Fastify (a plain Fastify route)', () => {
    expect(problemOf(malformed)).toEqual({
      type: 'urn:nurture:problem:http_400',
      title: 'Bad Request',
      status: 400,
      detail: malformed.message,
      errors: [{ field: 'body', message: malformed.message }],
    });
  });

  it('names the body the same when Nest wraps the error in an HttpException (a Nest route)', () => {
    // What Nest's FastifyAdapter.mapException makes of a 4xx Fastify error before the filter sees it.
    const wrapped = new HttpException(malformed.message, 400, { cause: malformed });
    expect(problemOf(wrapped)).toEqual(problemOf(malformed));
    const tooLarge = fastifyError('FST_ERR_CTP_BODY_TOO_LARGE', 413, 'Request body is too large');
    expect(problemOf(new HttpException(tooLarge.message, 413, { cause: tooLarge }))).toMatchObject({
      status: 413,
      detail: 'The request body is larger than the service accepts.',
    });
    expect(problemOf(new HttpException(tooLarge.message, 413, { cause: tooLarge })).errors).toBeUndefined();
  });

  it('leaves an HttpException whose cause has another status as the exception says', () => {
    const other = new HttpException('Conflict', 409, { cause: fastifyError('X', 400, 'inner') });
    expect(problemOf(other)).toMatchObject({ status: 409, detail: 'Conflict' });
    expect(problemOf(other).errors).toBeUndefined();
  });
});
