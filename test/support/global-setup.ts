import { randomBytes } from 'node:crypto';
import pg from 'pg';

// Jest loads this file outside its module system, so it imports nothing from the project.
// Each run gets its own id: its template and per-file databases carry it, so two runs on one machine
// never drop each other's databases. The first test file to need a database builds the template
// (see test-database.ts), so every run starts from the current migrations.
export default async function globalSetup(): Promise<void> {
  process.env.NURTURE_TEST_RUN ??= randomBytes(3).toString('hex');
  const url = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`PostgreSQL is not reachable at ${url}; start it before running the tests (${String(err)})`);
  }
  await client.end();
}
