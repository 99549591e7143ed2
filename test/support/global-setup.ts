import pg from 'pg';

// Jest loads this file outside its module system, so it imports nothing from the project.
// It only removes the previous run's template; the first test file to need a database rebuilds it
// (see test-database.ts), so every run starts from the current migrations.
export default async function globalSetup(): Promise<void> {
  const url = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`PostgreSQL is not reachable at ${url}; start it before running the tests (${String(err)})`);
  }
  try {
    await client.query(`DROP DATABASE IF EXISTS nurture_test_template WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
