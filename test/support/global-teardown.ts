import pg from 'pg';

/** Drops this run's databases (also those of files that crashed). Imports nothing from the project. */
export default async function globalTeardown(): Promise<void> {
  const run = process.env.NURTURE_TEST_RUN;
  if (!run) return;
  const client = new pg.Client({ connectionString: process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname LIKE $2`, [
      `nurture\\_t\\_${run}\\_%`,
      `nurture\\_test\\_template\\_${run}%`,
    ]);
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
