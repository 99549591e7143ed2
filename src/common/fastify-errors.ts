import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { RawServerDefault } from 'fastify';

/**
 * Request bodies are JSON (or the forms of the public pages, parsed where they are served). A text/plain body is
 * 415 like any other type the service does not read, rather than a string the validation takes for a missing
 * body; `Content-Type: application/json` with an empty body, as many clients send on a bodiless POST, is no body.
 */
export function acceptJsonBodies(app: NestFastifyApplication, bodyLimit: number): void {
  const fastify = app.getHttpAdapter().getInstance();
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('text/plain');
  // Through Nest, which otherwise registers its own JSON parser when the application starts.
  app.useBodyParser<RawServerDefault>('application/json', { bodyLimit }, (request, body, done) => {
    const text = body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    parseJson(request, text, done);
  });
}

/**
 * Answers what Node's HTTP parser refuses before Fastify has a request (a raw non-ASCII byte in the URL, headers
 * too large, a request too slow) with application/problem+json, as every other error, written to the socket.
 */
export function clientErrorProblem(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, detail] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'The request took too long to arrive.']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'The request headers are larger than the service accepts.']
        : [400, 'The request is not valid HTTP (a URL must be ASCII: percent-encode other characters).'];
  const title = STATUS_CODES[status] ?? 'Error';
  const body = JSON.stringify({ type: `urn:nurture:problem:http_${status}`, title, status, detail });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${title}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/problem+json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
