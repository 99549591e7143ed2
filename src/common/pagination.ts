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
