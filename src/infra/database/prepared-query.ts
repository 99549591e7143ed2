import { createHash } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * Named prepared statements through TypeORM's pg driver: PostgreSQL parses and plans a statement once per
 * connection instead of on every call (for the hot statements with several CTEs, planning cost more than
 * running them). The name is derived from the text, so each distinct text is prepared once per connection.
 * They reach into the driver's pg objects; where those are missing they fall back to an ordinary query, so
 * a TypeORM change can only lose the gain, not break the call.
 */
interface PgQueryable {
  query(q: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

const names = new Map<string, string>();

function statementName(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `stmt_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    names.set(text, name);
  }
  return name;
}

/** On the transaction's own connection (outside a transaction, an ordinary query). */
export async function preparedQuery<T>(m: EntityManager, text: string, values: unknown[]): Promise<T[]> {
  const client = (m.queryRunner as unknown as { databaseConnection?: PgQueryable } | undefined)?.databaseConnection;
  if (!client) return m.query(text, values);
  return (await client.query({ name: statementName(text), text, values })).rows as T[];
}

/** On any connection of the data source's pool (the same pool as `db.query`). */
export async function preparedPoolQuery<T>(db: DataSource, text: string, values: unknown[]): Promise<T[]> {
  const pool = (db.driver as unknown as { master?: PgQueryable }).master;
  if (!pool?.query) return db.query(text, values);
  return (await pool.query({ name: statementName(text), text, values })).rows as T[];
}
