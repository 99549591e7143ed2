import { createHmac } from 'node:crypto';
import pg from 'pg';
import { ADMIN_URL } from './service.js';

/**
 * A fixed amount of work timed once before the benchmarks, so figures from different machines (or one
 * machine on different days: the VMs behind this workplace differ by more than 2× per core) can be
 * compared. Lower is faster. The Node part is HMAC-SHA256 over 1 KB and a JSON round trip, the two
 * things the service does most per request; the PostgreSQL part counts a generated series in one
 * backend. Each is the best of three, in CPU milliseconds where the process is ours.
 */
export interface Calibration {
  nodeCpuMs: number;
  postgresMs: number;
}

function nodeWork(): number {
  const start = process.cpuUsage();
  const buf = Buffer.alloc(1024, 7);
  let sink = 0;
  for (let i = 0; i < 50_000; i++) sink ^= createHmac('sha256', 'calibration').update(buf).digest()[0]!;
  for (let i = 0; i < 50_000; i++) sink ^= (JSON.parse(JSON.stringify({ a: i, b: `x${i}`, c: [i, i + 1] })) as { a: number }).a;
  const used = process.cpuUsage(start);
  if (sink === -1) console.log(sink); // keeps the loops from being optimised away
  return (used.user + used.system) / 1000;
}

async function postgresWork(client: pg.Client): Promise<number> {
  const start = performance.now();
  await client.query('SELECT count(*) FROM generate_series(1, 2000000)');
  return performance.now() - start;
}

export async function calibrate(): Promise<Calibration> {
  const node = Math.min(nodeWork(), nodeWork(), nodeWork());
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    const pgTimes = [await postgresWork(client), await postgresWork(client), await postgresWork(client)];
    return { nodeCpuMs: Math.round(node), postgresMs: Math.round(Math.min(...pgTimes)) };
  } finally {
    await client.end();
  }
}
