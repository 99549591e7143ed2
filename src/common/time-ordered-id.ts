import { randomFillSync } from 'node:crypto';

/**
 * UUIDs of version 7 (RFC 9562): the first 48 bits are the creation time in Unix milliseconds, the rest
 * random (74 bits). Rows keyed by them are appended at the right edge of their primary-key index instead
 * of landing on a random leaf page, so a batch of inserts touches a few pages instead of one per row (and
 * after a checkpoint writes a few full-page images instead of one per row). For ids of rows written in
 * bulk (events); they reveal when they were made, which the rows say anyway.
 */
export function timeOrderedId(epochMs: number): string {
  if (pooled + 10 > POOL.length) {
    randomFillSync(POOL);
    pooled = 0;
  }
  const r = pooled;
  pooled += 10;
  const ms = Math.max(0, Math.floor(epochMs));
  const hex = ms.toString(16).padStart(12, '0').slice(-12);
  return (
    `${hex.slice(0, 8)}-${hex.slice(8, 12)}-` +
    `7${HEX[POOL[r] & 0x0f]}${byte(POOL[r + 1])}-` + // version 7, 12 random bits
    `${byte((POOL[r + 2] & 0x3f) | 0x80)}${byte(POOL[r + 3])}-` + // variant 10, 62 random bits in all
    `${byte(POOL[r + 4])}${byte(POOL[r + 5])}${byte(POOL[r + 6])}${byte(POOL[r + 7])}${byte(POOL[r + 8])}${byte(POOL[r + 9])}`
  );
}

/** Random bytes drawn 10 per id from a pool refilled 819 ids at a time (one system call instead of one per id). */
const POOL = Buffer.alloc(8190);
let pooled = POOL.length;
const HEX = '0123456789abcdef';
const BYTES = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const byte = (b: number) => BYTES[b];
