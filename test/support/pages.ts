import type { TestApp } from './test-app.js';

/**
 * Every page of the list at `path` (with or without a query), `limit` items at a time, following nextCursor: the
 * items in the order they came, and how many pages that took. A page that is not 200 fails with its answer.
 */
export async function allPages<T>(t: TestApp, path: string, limit: number): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res: { status: number; body: { items: T[]; nextCursor: string | null } } = await t.api(
      'get',
      `${path}${path.includes('?') ? '&' : '?'}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
    );
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
    pages++;
  } while (cursor);
  return { items, pages };
}
