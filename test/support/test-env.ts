/** Where tests find PostgreSQL and Redis. Override with TEST_PG_URL / TEST_REDIS_URL. */
/** Set by global-setup.ts for the whole run; per-file databases and the template carry it. */
const RUN = process.env.NURTURE_TEST_RUN ?? 'local';
export const TEST_DB_PREFIX = `nurture_t_${RUN}_`;
export const TEMPLATE_DB = `nurture_test_template_${RUN}`;

export function adminUrl(): string {
  return process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export function databaseUrl(name: string): string {
  const u = new URL(adminUrl());
  u.pathname = `/${name}`;
  return u.toString();
}

export function redisUrl(): string {
  return process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
}
