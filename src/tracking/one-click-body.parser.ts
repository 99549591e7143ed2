import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { multipartBoundary, multipartFields } from './domain/multipart-fields.js';

const MULTIPART_LIMIT = 64 * 1024;

/**
 * Lets the HTTP server accept multipart/form-data bodies, which RFC 8058 allows for one-click unsubscribes.
 * Only small bodies of text fields are read (the one-click field); nothing else in this service takes multipart.
 */
@Injectable()
export class OneClickBodyParser implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify || fastify.hasContentTypeParser('multipart/form-data')) return;
    fastify.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: MULTIPART_LIMIT }, (req, body, done) => {
      const boundary = multipartBoundary(req.headers['content-type']);
      done(null, boundary ? multipartFields(body as Buffer, boundary) : {});
    });
  }
}
