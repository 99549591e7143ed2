import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';

interface PgClient {
  query(q: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

const names = new Map<string, string>();

/**
 * Runs a statement as a named prepared statement on the transaction's connection, so PostgreSQL
 * parses and plans it once per connection instead of on every call (the planning of a statement
 * with several CTEs cost more than running it for a single event). The name is derived from the
 * text, so each distinct text is prepared once per connection. Outside a transaction (no
 * connection of its own) it is an ordinary query.
 */
export async function preparedQuery<T>(m: EntityManager, text: string, values: unknown[]): Promise<T[]> {
  const client = (m.queryRunner as unknown as { databaseConnection?: PgClient } | undefined)?.databaseConnection;
  if (!client) return m.query(text, values);
  let name = names.get(text);
  if (!name) {
    name = `ingest_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    names.set(text, name);
  }
  const res = await client.query({ name, text, values });
  return res.rows as T[];
}
