import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { runMigrations } from '../../src/infra/database/data-source.js';
import { TEMPLATE_DB, TEST_DB_PREFIX, adminUrl, databaseUrl } from './test-env.js';

const TEMPLATE_LOCK = 7428191;

/** Builds the migrated template once per run; test files running in parallel wait on an advisory lock. */
async function ensureTemplate(client: pg.Client): Promise<void> {
  await client.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK]);
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [TEMPLATE_DB]);
    if (rowCount) return;
    await client.query(`CREATE DATABASE ${TEMPLATE_DB}_building`).catch(async () => {
      await client.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB}_building WITH (FORCE)`);
      await client.query(`CREATE DATABASE ${TEMPLATE_DB}_building`);
    });
    await runMigrations(databaseUrl(`${TEMPLATE_DB}_building`));
    await client.query(`ALTER DATABASE ${TEMPLATE_DB}_building RENAME TO ${TEMPLATE_DB}`);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK]);
  }
}

/** A fresh, migrated database of this test file's own, cloned from the template. */
export class TestDatabase {
  private constructor(
    readonly name: string,
    readonly url: string,
  ) {}

  static async create(): Promise<TestDatabase> {
    const name = `${TEST_DB_PREFIX}${process.pid}_${randomBytes(4).toString('hex')}`;
    const client = new pg.Client({ connectionString: adminUrl() });
    await client.connect();
    try {
      await ensureTemplate(client);
      // Cloning needs the template to be idle; retry briefly when another file is cloning at the same moment.
      for (let attempt = 0; ; attempt++) {
        try {
          await client.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`);
          break;
        } catch (err) {
          if (attempt > 50) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    } finally {
      await client.end();
    }
    return new TestDatabase(name, databaseUrl(name));
  }

  /** A fresh database with one client connected to it (end it with `drop(db)`). */
  static async createConnected(): Promise<{ database: TestDatabase; db: pg.Client }> {
    const database = await TestDatabase.create();
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    return { database, db };
  }

  /** Ends the given clients of this database, then drops it. */
  async drop(...clients: pg.Client[]): Promise<void> {
    for (const c of clients) await c.end();
    const client = new pg.Client({ connectionString: adminUrl() });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`);
    } finally {
      await client.end();
    }
  }
}

/**
 * A fresh database of the test file's own with a client connected to it, for the tests of the enclosing
 * `describe`: made before they run (before the block's own `beforeAll` hooks, registered after this call)
 * and dropped after them. Read `db` and `database` inside hooks and tests.
 */
export function useTestDatabase(): { readonly db: pg.Client; readonly database: TestDatabase } {
  let made: { database: TestDatabase; db: pg.Client } | undefined;
  beforeAll(async () => {
    made = await TestDatabase.createConnected();
  });
  afterAll(async () => {
    await made?.database.drop(made.db);
  });
  const get = () => {
    if (!made) throw new Error('the test database is made in beforeAll: use it inside hooks and tests');
    return made;
  };
  return {
    get db() {
      return get().db;
    },
    get database() {
      return get().database;
    },
  };
}
