import { fork } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { ConnectionPool, openLoop } from '../support/http-load.js';
import { cpuSeconds, machineCpuSeconds, pidsOf } from '../support/proc.js';
import { isMain, runToExit } from '../support/service.js';
import { BROWSER } from '../support/tracking-data.js';
import { serveBarePixel } from './bare-pixel-server.js';

/**
 * A floor for the tracking benchmark's request path: a bare `node:http` server that does only what the
 * service's pixel answer must (one HMAC for the token, the hit added to a Redis stream by one script call
 * per event-loop turn, the GIF sent once Redis has it), loaded at a steady rate by the benchmark's own load
 * generator. Prints the p99 and the CPU per hit of the server, the load generator, Redis and network
 * interrupts (and the whole machine), read from /proc. Nothing is stored in PostgreSQL.
 * After a build: `node dist/bench/floors/request-path.floor.js [rate, default 5000]`.
 */
const PORT = 3320;
const STREAM = 'floor:request-path:hits';
const SECONDS = 10;

function serve(): void {
  serveBarePixel({
    port: PORT,
    stream: STREAM,
    maxLen: 100_000,
    hitOf: (req) => {
      const token = req.url!.slice(5);
      const mac = createHmac('sha256', 'floor-secret').update(token).digest('base64url');
      return JSON.stringify({ token, mac: mac.slice(0, 8), ua: req.headers['user-agent'], ip: req.socket.remoteAddress, at: Date.now() });
    },
  });
}

async function load(rate: number): Promise<void> {
  const server = fork(process.argv[1], ['serve']);
  try {
    await new Promise((resolve) => server.once('message', resolve));
    const pool = new ConnectionPool(64, PORT, BROWSER);
    await pool.open();
    const path = (i: number) => `/t/o/${'a'.repeat(60)}${i}`;
    await openLoop(pool, path, rate, 3); // warm-up
    const [redis] = pidsOf('redis-server');
    if (!redis) throw new Error('no redis-server process found');
    const sample = () => ({ server: cpuSeconds(server.pid), generator: cpuSeconds(process.pid), redis: cpuSeconds(redis), machine: machineCpuSeconds() });
    const before = sample();
    const run = await openLoop(pool, path, rate, SECONDS);
    const after = sample();
    pool.close();
    const us = (seconds: number) => Math.round((seconds * 1e6) / (rate * SECONDS));
    console.log(
      `${rate}/s for ${SECONDS} s: p99 ${run.p99} ms, p50 ${run.p50} ms; CPU µs per hit: server ${us(after.server - before.server)}, ` +
        `load generator ${us(after.generator - before.generator)}, Redis ${us(after.redis - before.redis)}, ` +
        `network interrupts ${us(after.machine.interrupts - before.machine.interrupts)}, whole machine ${us(after.machine.busy - before.machine.busy)}`,
    );
  } finally {
    server.kill();
  }
}

if (isMain(import.meta.url)) {
  if (process.argv[2] === 'serve') serve();
  else runToExit(() => load(Number(process.argv[2] ?? 5000)), () => undefined);
}
