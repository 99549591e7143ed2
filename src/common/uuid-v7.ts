import { randomFillSync } from 'node:crypto';

/**
 * Time-ordered UUIDs (RFC 9562 version 7): 48 bits of Unix milliseconds, then random bits. Ingested events and
 * tracking hits use them as the ids of their event and interaction rows, so those primary-key indexes (and the
 * ledger's and scoring queue's indexes of event ids) grow at their right edge instead of at random pages: at
 * thousands of rows a second that keeps inserts in cache, and after a checkpoint a batch writes a few full-page
 * images instead of one per row.
 * `nowMs` is the row's own time (the hit's, or the ingest request's, from the injected clock); randomness comes
 * from a pooled CSPRNG buffer.
 */
const POOL_IDS = 256;
const pool = Buffer.alloc(16 * POOL_IDS);
let next = POOL_IDS;

export function uuidv7(nowMs: number): string {
  if (next === POOL_IDS) {
    randomFillSync(pool);
    next = 0;
  }
  const b = pool.subarray(next * 16, ++next * 16);
  b.writeUIntBE(Math.max(0, Math.min(Math.floor(nowMs), 0xffffffffffff)), 0, 6);
  b[6] = (b[6] & 0x0f) | 0x70; // version 7
  b[8] = (b[8] & 0x3f) | 0x80; // RFC variant
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
