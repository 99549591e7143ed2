import { InjectQueue } from '@nestjs/bullmq';
import { Controller, Get, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Queue } from 'bullmq';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { Public } from '../auth/roles.js';
import { QUEUES } from '../infra/queue/queue-names.js';

export type Check = { status: 'up' | 'down'; latencyMs?: number; error?: string };

/** Runs a check, up or down within 2 s; the 2 s timer goes once the check is decided. */
export async function timed(fn: () => Promise<unknown>): Promise<Check> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([fn(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout after 2000 ms')), 2000)))]);
    return { status: 'up', latencyMs: Math.round((performance.now() - started) * 10) / 10 };
  } catch (err) {
    return { status: 'down', error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer); // else every check held a 2 s timer (and kept a stopping process alive that long)
  }
}

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly db: DataSource,
    @InjectQueue(QUEUES.scoring) private readonly queue: Queue,
  ) {}

  /** Reports PostgreSQL and Redis; 503 when either is down. */
  @Public()
  @Get()
  async health(@Res() reply: FastifyReply) {
    const [database, redis] = await Promise.all([
      timed(() => this.db.query('SELECT 1')),
      timed(() => this.queue.count()),
    ]);
    const ok = database.status === 'up' && redis.status === 'up';
    void reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', checks: { database, redis } });
  }
}
