import { createHash } from 'node:crypto';
import type { QueryRunner } from 'typeorm';

/**
 * Several statements in one round trip. node-pg sends a statement with parameters (extended protocol) on
 * its own and waits for its answer before sending the next, so a short transaction costs a round trip per
 * statement: BEGIN, each statement, COMMIT. Every round trip is a socket write and read on both sides
 * (on the bench machine ≈ 50 µs of client CPU each, besides the server's) and a wait. The simple protocol
 * takes a string of statements in one message; parameters then travel as SQL literals, and a hot statement
 * keeps its cached plan by being prepared on the server with SQL `PREPARE` (once per connection) and run
 * with `EXECUTE name(literals)`. The literals are exactly the text node-pg would send as parameter values.
 */

/** The pg client under a TypeORM query runner (null when the driver is not node-pg as expected). */
export interface SimpleClient {
  query(text: string): Promise<SimpleResult | SimpleResult[]>;
}
interface SimpleResult {
  rows: unknown[];
}

export function simpleClientOf(qr: QueryRunner | undefined): SimpleClient | null {
  const client = (qr as unknown as { databaseConnection?: SimpleClient } | undefined)?.databaseConnection;
  return client && typeof client.query === 'function' ? client : null;
}

/** A SQL string literal holding `text` exactly (E'' form only when it contains a backslash, so the setting of standard_conforming_strings does not matter). */
export function quoteText(text: string): string {
  if (text.includes('\\')) return ` E'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
  return `'${text.replace(/'/g, "''")}'`;
}

/** An array element in PostgreSQL's array text format. */
function arrayElement(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  return `"${valueText(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A parameter value as text, as node-pg would send it (arrays of scalars, dates, numbers, booleans, strings). */
function valueText(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return `{${v.map(arrayElement).join(',')}}`;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

/** A parameter value as a SQL literal (NULL for null/undefined); its type comes from the prepared statement. */
export function sqlLiteral(v: unknown): string {
  return v === null || v === undefined ? 'NULL' : quoteText(valueText(v));
}

/** A statement prepared on the server by name (derived from its text), run with literal parameters. */
export class ServerStatement {
  readonly name: string;

  constructor(readonly text: string) {
    this.name = `sp_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
  }

  /** `EXECUTE name(literals)`, to be sent in a string of statements. */
  execute(values: unknown[]): string {
    return values.length ? `EXECUTE ${this.name}(${values.map(sqlLiteral).join(', ')})` : `EXECUTE ${this.name}`;
  }
}

/** Names prepared on each connection (a connection that is replaced starts with none). */
const preparedOn = new WeakMap<SimpleClient, Set<string>>();

/**
 * Prepares the statements this connection does not have yet, each in a round trip of its own: once per
 * connection. PREPARE is not undone by a rollback, and a PREPARE that fails creates nothing, so a name is
 * remembered exactly when the server has it (it may run inside a transaction that is not aborted).
 */
export async function ensurePrepared(client: SimpleClient, statements: ServerStatement[]): Promise<void> {
  let names = preparedOn.get(client);
  if (!names) preparedOn.set(client, (names = new Set()));
  for (const s of statements) {
    if (names.has(s.name)) continue;
    await client.query(`PREPARE ${s.name} AS ${s.text}`);
    names.add(s.name);
  }
}

/** Sends statements joined in one message; returns the rows of each, in order. */
export async function sendTogether(client: SimpleClient, statements: string[]): Promise<unknown[][]> {
  const result = await client.query(statements.join(';\n'));
  return Array.isArray(result) ? result.map((r) => r.rows ?? []) : [result.rows ?? []];
}
