import pg from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';

// Return bigint/int8 columns (counts, identity ids) as JS numbers; our values stay far below 2^53.
pg.types.setTypeParser(20, (v: string) => Number(v));

export function dataSourceOptions(url: string, poolSize = 20): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: [],
    migrationsTableName: 'migrations',
    synchronize: false,
    logging: ['error'],
    extra: { max: poolSize, idleTimeoutMillis: 30_000 },
  };
}

/** Creates the database named in the URL when it does not exist yet, so a fresh machine starts out of the box. */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) return;
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created meanwhile by another process
      });
    }
  } finally {
    await client.end();
  }
}

/** Applies pending migrations under an advisory lock, so several processes starting at once don't race. */
export async function runMigrations(url: string): Promise<string[]> {
  // Only the migration runner's data source knows the migrations: a process started with RUN_MIGRATIONS=false never loads them.
  const { MIGRATIONS } = await import('../../../migrations/index.js');
  const ds = new DataSource({ ...dataSourceOptions(url, 2), migrations: MIGRATIONS });
  await ds.initialize();
  try {
    const runner = ds.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SELECT pg_advisory_lock(7428190)');
      const applied = await ds.runMigrations({ transaction: 'each' });
      return applied.map((m) => m.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock(7428190)').catch(() => undefined);
      await runner.release();
    }
  } finally {
    await ds.destroy();
  }
}
