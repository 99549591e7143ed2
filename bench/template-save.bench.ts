/**
 * Template save benchmark: how long one save (POST /api/v1/templates) of a variant at the 50,000-character limit
 * holds the API's event loop, the loop that also answers open pixels and click redirects. The whole API runs in
 * this process (role api, on a fresh database); each save goes through Fastify's inject, so the figures include
 * the request's own bookkeeping (body parsing, validation, the database writes, the answer), not only compiling.
 * Run after a build: `node dist/bench/template-save.bench.js`.
 *
 * - loop busy per save: event-loop utilisation's active time during the save (everything the loop ran).
 * - longest block: the largest delay `monitorEventLoopDelay` saw during the save (at 1 ms resolution), i.e. the
 *   longest a pixel arriving at the worst moment would have waited.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp } from '../src/app.factory.js';
import { createRootLogger } from '../src/common/logger.js';
import { loadConfig } from '../src/config/app-config.js';
import { runMigrations } from '../src/infra/database/data-source.js';
import { MAX_MJML_CHARS } from '../src/email/domain/template-limits.js';
import { BENCH_ADMIN_KEY, clearRedisPrefixes, dropDatabase, freshDatabase, isMain, percentile, printFigures, runToExit } from './support/service.js';

const SAVES = 10;
const DB = 'bench_template_save';

function section(content: string): string {
  return `<mj-section>\n  <mj-column>\n    <mj-text>${content}</mj-text>\n  </mj-column>\n</mj-section>\n`;
}

/** As much MJML as a variant may hold, in many small sections with a variable each (the most work per character). */
export function variantAtTheLimit(): { subject: string; mjml: string } {
  let mjml = '';
  for (let i = 1; mjml.length + section(`Hallo {{fallback firstName "daar"}} ${i}`).length <= MAX_MJML_CHARS; i++) {
    mjml += section(`Hallo {{fallback firstName "daar"}} ${i}`);
  }
  return { subject: 'Hallo {{fallback firstName "daar"}}', mjml };
}

export async function runTemplateSaveBench(opts = { saves: SAVES, threads: 1 }): Promise<Record<string, number>> {
  const url = await freshDatabase(DB);
  await runMigrations(url);
  const queuePrefix = `benchts${Date.now()}`;
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: url,
    PROCESS_ROLE: 'api',
    QUEUE_PREFIX: queuePrefix,
    ADMIN_API_KEY: BENCH_ADMIN_KEY,
    LOG_LEVEL: 'warn',
    DOCS_UI: 'false',
    QUEUE_DASHBOARD: 'false',
    TEMPLATE_COMPILE_THREADS: String(opts.threads),
  });
  let app: NestFastifyApplication | undefined;
  try {
    app = await createHttpApp(config, createRootLogger(config.logLevel));
    await app.init();
    const fastify = app.getHttpAdapter().getInstance();
    await fastify.ready();
    const variant = variantAtTheLimit();
    const save = async (i: number) => {
      const res = await fastify.inject({
        method: 'POST',
        url: '/api/v1/templates',
        headers: { authorization: `Bearer ${BENCH_ADMIN_KEY}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ name: `Bench ${i}`, variants: { nl: variant } }),
      });
      if (res.statusCode !== 201) throw new Error(`save ${i} answered ${res.statusCode}: ${res.body.slice(0, 500)}`);
    };
    for (let i = 0; i < 2; i++) await save(-i); // warm-up: the library, the compile threads, MJML, the JIT

    const busy: number[] = [];
    const longest: number[] = [];
    const wall: number[] = [];
    const delay = monitorEventLoopDelay({ resolution: 1 });
    for (let i = 0; i < opts.saves; i++) {
      await new Promise((r) => setTimeout(r, 50)); // let the previous save's stragglers (GC, sockets) settle
      delay.reset();
      delay.enable();
      const elu = performance.eventLoopUtilization();
      const started = performance.now();
      await save(i);
      wall.push(performance.now() - started);
      busy.push(performance.eventLoopUtilization(elu).active);
      delay.disable();
      longest.push(delay.max / 1e6);
    }
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    return {
      'MJML characters per variant': variant.mjml.length,
      saves: opts.saves,
      'save wall time (ms, median)': percentile(sorted(wall), 50),
      'loop busy per save (ms, median)': percentile(sorted(busy), 50),
      'loop busy per save (ms, max)': Math.max(...busy),
      'longest block per save (ms, median)': percentile(sorted(longest), 50),
      'longest block per save (ms, max)': Math.max(...longest),
    };
  } finally {
    await app?.close();
    await clearRedisPrefixes([queuePrefix]);
    await dropDatabase(DB);
  }
}

if (isMain(import.meta.url)) runToExit(() => runTemplateSaveBench(), printFigures);
