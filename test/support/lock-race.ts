import pg from 'pg';

/**
 * Runs `insert` in an open transaction on one connection, starts `deleteSql` on another, waits until
 * PostgreSQL shows that delete waiting on a lock, and returns whether it had finished by then (it must not
 * have: the insert's FOR KEY SHARE lock holds it); then commits and waits for the delete.
 */
export async function deleteDuringOpenInsert(
  url: string,
  insert: (writer: pg.Client) => Promise<unknown>,
  deleteSql: string,
  params: unknown[],
): Promise<{ deletedBeforeCommit: boolean }> {
  const writer = new pg.Client({ connectionString: url });
  const deleter = new pg.Client({ connectionString: url });
  const watcher = new pg.Client({ connectionString: url });
  await Promise.all([writer.connect(), deleter.connect(), watcher.connect()]);
  try {
    await writer.query('BEGIN');
    await insert(writer);
    let deleted = false;
    const deleting = deleter.query(deleteSql, params).then(() => (deleted = true));
    await untilWaitingOnLock(watcher, deleter);
    const deletedBeforeCommit = deleted;
    await writer.query('COMMIT');
    await deleting;
    return { deletedBeforeCommit };
  } finally {
    await Promise.all([writer.end(), deleter.end(), watcher.end()]);
  }
}

/** Resolves once PostgreSQL shows `client`'s backend waiting on a lock (as seen through `watcher`). */
export async function untilWaitingOnLock(watcher: pg.Client, client: pg.Client): Promise<void> {
  const pid = (client as unknown as { processID: number }).processID; // set by pg on connect
  for (;;) {
    const { rows } = await watcher.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid = $1`, [pid]);
    if (rows[0].n > 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}
