import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { DomainError } from './domain-error.js';
import { isTimestamp } from './timestamp.js';
import { isUuid } from './uuid.pipe.js';

export class PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor from a previous page (nextCursor).' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Keyset cursors: an opaque encoding of the sort key of the last item returned. */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** What one item of a cursor holds: the sort key's columns, as the list's SQL casts them. */
export type CursorPart = 'timestamp' | 'uuid' | 'integer' | 'sha256' | 'text';

const IS_PART: Record<CursorPart, (v: unknown) => boolean> = {
  // Cursors carry instants as toISOString() or to_char(…'"Z"') writes them: with an offset, always.
  timestamp: (v) => isTimestamp(v),
  uuid: isUuid,
  integer: (v) => Number.isSafeInteger(v),
  sha256: (v) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v),
  text: (v) => typeof v === 'string' && v.length <= 200 && !v.includes('\u0000'),
};

/**
 * The sort key in `cursor`, one item per part, each checked to be of its kind: a cursor that was edited or made
 * up is refused naming `cursor` (422), never handed to SQL casts that would fail on it.
 */
export function decodeCursor(cursor: string | undefined, parts: readonly CursorPart[]): (string | number)[] | null {
  if (!cursor) return null;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  if (Array.isArray(key) && key.length === parts.length && parts.every((part, i) => IS_PART[part](key[i]))) {
    return key as (string | number)[];
  }
  throw DomainError.invalidField('cursor', 'is not a cursor returned by this list');
}

export function pageOf<T>(rows: T[], limit: number, keyOf: (row: T) => (string | number)[]): Page<T> {
  const items = rows.slice(0, limit);
  const nextCursor = rows.length > limit ? encodeCursor(keyOf(items[items.length - 1])) : null;
  return { items, nextCursor };
}

/** One column of a keyset order: the SQL expression and the type its cursor value is cast to. */
export type KeyColumn = readonly [sql: string, type: keyof typeof CURSOR_PART];

const CURSOR_PART = { timestamptz: 'timestamp', uuid: 'uuid', text: 'text', integer: 'integer' } as const satisfies Record<string, CursorPart>;

/**
 * A list that can be read in several orders (`?sort=`): each order is a sort name whose key columns end with a unique
 * one, read ascending, or descending with a leading `-` (`createdAt`, `-createdAt`). The cursor names the order it was
 * made in, so the pages of one order are never read on with the key of another.
 */
export class SortedList<S extends string> {
  private readonly sorts: readonly string[];

  constructor(private readonly keys: Record<S, readonly KeyColumn[]>) {
    this.sorts = (Object.keys(keys) as S[]).flatMap((s) => [s, `-${s}`]);
  }

  /** Every `sort` value: each order ascending and descending. */
  values(): string[] {
    return [...this.sorts];
  }

  /**
   * The order to read and the key to read after: the one asked for, else the cursor's, else `fallback`. A cursor made
   * in another order than the one asked for is refused naming `cursor` (422).
   */
  read(cursor: string | undefined, asked: string | undefined, fallback: string): { sort: string; after: (string | number)[] | null } {
    if (!cursor) return { sort: asked ?? fallback, after: null };
    let sort: unknown;
    try {
      sort = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))?.[0];
    } catch {
      sort = undefined;
    }
    if (typeof sort !== 'string' || !this.sorts.includes(sort)) throw DomainError.invalidField('cursor', 'is not a cursor returned by this list');
    if (asked !== undefined && asked !== sort) throw DomainError.invalidField('cursor', `was made for sort=${sort}, not sort=${asked}`);
    const key = decodeCursor(cursor, ['text', ...this.keys[this.name(sort)].map(([, type]) => CURSOR_PART[type])]);
    return { sort, after: key!.slice(1) };
  }

  /**
   * ORDER BY, and with a key to read after, the keyset condition; `param` adds a value to the statement's parameters and
   * returns its placeholder with the cast.
   */
  sql(sort: string, after: (string | number)[] | null, param: (value: unknown, cast: string) => string): { orderBy: string; after: string | null } {
    const desc = sort.startsWith('-');
    const columns = this.keys[this.name(sort)];
    return {
      orderBy: columns.map(([c]) => `${c}${desc ? ' DESC' : ''}`).join(', '),
      after: after && `(${columns.map(([c]) => c).join(', ')}) ${desc ? '<' : '>'} (${columns.map(([, type], i) => param(after[i], `::${type}`)).join(', ')})`,
    };
  }

  /** The page, its cursor naming the order. */
  page<T>(rows: T[], limit: number, sort: string, keyOf: (row: T) => (string | number)[]): Page<T> {
    return pageOf(rows, limit, (row) => [sort, ...keyOf(row)]);
  }

  private name(sort: string): S {
    return (sort.startsWith('-') ? sort.slice(1) : sort) as S;
  }
}
