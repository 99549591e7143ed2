import { getQueueToken } from '@nestjs/bullmq';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Queue } from 'bullmq';
import { ApiKeysService } from '../auth/api-keys.service.js';
import { QUEUES } from '../infra/queue/queue-names.js';
import { presentedKey } from './presented-key.js';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * An operator's view of every BullMQ queue (bull-board) at /admin/queues, for admin keys only.
 * Browsers get a Basic-auth prompt: any user name, the admin API key as password.
 */
export async function setupQueueDashboard(app: NestFastifyApplication): Promise<void> {
  // Loaded on demand: @bull-board/fastify pulls in @fastify/static, which Jest's module loader cannot run.
  const [{ createBullBoard }, { BullMQAdapter }, { FastifyAdapter: BoardAdapter }] = await Promise.all([
    import('@bull-board/api'),
    import('@bull-board/api/bullMQAdapter'),
    import('@bull-board/fastify'),
  ]);
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
