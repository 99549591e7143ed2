import type { EntityManager } from 'typeorm';

/**
 * Reads done ahead inside a transaction, for a later step of the same transaction: a hot path that
 * already sends one statement can ask it for a small extra result (say, which programs are live)
 * and leave it here, so the step that needs it takes it instead of a round trip of its own. Keyed
 * by the transaction's EntityManager, so nothing outlives (or leaks out of) that transaction; a
 * step that finds nothing reads for itself as before.
 */
const stores = new WeakMap<EntityManager, Map<string, unknown>>();

export function putReadAhead(m: EntityManager, key: string, value: unknown): void {
  let store = stores.get(m);
  if (!store) stores.set(m, (store = new Map()));
  store.set(key, value);
}

/** The value read ahead under `key` in this transaction (once: a second take reads again). */
export function takeReadAhead<T>(m: EntityManager, key: string): T | undefined {
  const store = stores.get(m);
  if (!store?.has(key)) return undefined;
  const value = store.get(key) as T;
  store.delete(key);
  return value;
}

/** The value read ahead under `key` in this transaction, left in place for its taker (undefined when none). */
export function peekReadAhead<T>(m: EntityManager, key: string): T | undefined {
  return stores.get(m)?.get(key) as T | undefined;
}
