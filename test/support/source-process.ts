import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ADMIN_KEY, clearQueues } from './test-app.js';
import { TestDatabase } from './test-database.js';
import { redisUrl } from './test-env.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface SourceProcess {
  /** The service's base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Stops the process (SIGTERM, then waits for it), drops its database and clears its Redis keys. */
  stop: () => Promise<void>;
}

/**
 * Starts the service as `node src/main.ts` in a process of its own, from the TypeScript sources (see
 * src/email/typescript-source-hooks.mjs), on a database of its own: for what Jest's module system cannot load, such as the Swagger
 * UI (@fastify/static, CommonJS requiring an ES module). API role, so it runs no workers; resolves once it listens.
 */
export async function startSourceProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<SourceProcess> {
  const database = await TestDatabase.create();
  const queuePrefix = `t${randomBytes(4).toString('hex')}`;
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', './test/support/register-typescript.mjs', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl(),
      QUEUE_PREFIX: queuePrefix,
      ADMIN_API_KEY: ADMIN_KEY,
      LOG_LEVEL: 'info',
      RUN_MIGRATIONS: 'false',
      PROCESS_ROLE: 'api',
      HOST: '127.0.0.1',
      PORT: String(port),
      QUEUE_DASHBOARD: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = async () => {
    await exited(child);
    await database.drop();
    await clearQueues(queuePrefix);
  };
  try {
    await listening(child, timeoutMs);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `http://127.0.0.1:${port}`, stop };
}

/** Resolves when the process logs that it listens; rejects when it exits first or takes longer than `timeoutMs`. */
function listening(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`the service did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"msg":"nurture engine listening"')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the service exited (code ${code}) before it listened:\n${output}`));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** A TCP port free at the moment (the service takes it a moment later). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
