import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BoardAdapter } from '@bull-board/fastify';
import { getQueueToken } from '@nestjs/bullmq';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Queue } from 'bullmq';
import { ApiKeysService } from '../auth/api-keys.service.js';
import { QUEUES } from '../infra/queue/queue-names.js';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/** The admin key is checked from HTTP Basic auth (any user name, the key as password) or a Bearer header. */
export function presentedKey(authorization: string | undefined): string | null {
  if (!authorization) return null;
  const bearer = /^Bearer\s+(\S+)$/i.exec(authorization);
  if (bearer) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(authorization);
  if (!basic) return null;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 ? decoded.slice(colon + 1) : null;
}

/**
 * An operator's view of every BullMQ queue (bull-board) at /admin/queues, for admin keys only.
 * Browsers get a Basic-auth prompt: any user name, the admin API key as password.
 */
export async function setupQueueDashboard(app: NestFastifyApplication): Promise<void> {
  const board = new BoardAdapter();
  board.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: Object.values(QUEUES).map((name) => new BullMQAdapter(app.get<Queue>(getQueueToken(name)))),
    serverAdapter: board,
  });
  const keys = app.get(ApiKeysService);
  const fastify = app.getHttpAdapter().getInstance();
  await fastify.register(
    async (scope) => {
      scope.addHook('onRequest', async (request, reply) => {
        const key = presentedKey(request.headers.authorization);
        const principal = key ? await keys.authenticate(key) : null;
        if (!principal || principal.role !== 'admin') {
          await reply
            .status(401)
            .header('www-authenticate', 'Basic realm="nurture queues", charset="UTF-8"')
            .header('content-type', 'application/problem+json')
            .send({ type: 'urn:nurture:problem:unauthenticated', title: 'Unauthorized', status: 401, detail: 'The queue dashboard needs an admin API key.' });
        }
      });
      await scope.register(board.registerPlugin() as never, { prefix: QUEUE_DASHBOARD_PATH });
    },
  );
}
