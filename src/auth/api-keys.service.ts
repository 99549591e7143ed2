import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DomainError, ErrorCode } from '../common/domain-error.js';
import { decodeCursor, Page, pageOf } from '../common/pagination.js';
import { displayPrefix, generateApiKey, hashApiKey } from './api-key.util.js';
import type { Principal, Role } from './roles.js';

export interface ApiKeyView {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  bootstrap: boolean;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

interface ApiKeyRow {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  bootstrap: boolean;
  created_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

const view = (r: ApiKeyRow): ApiKeyView => ({
  id: r.id,
  name: r.name,
  role: r.role,
  prefix: r.prefix,
  bootstrap: r.bootstrap,
  createdAt: r.created_at.toISOString(),
  revokedAt: r.revoked_at?.toISOString() ?? null,
  lastUsedAt: r.last_used_at?.toISOString() ?? null,
});

/**
 * How long a process trusts a key it has checked (ms). Every request used to read api_keys; now a
 * key is re-read at most this often per process. A revocation is immediate in the process that
 * made it and reaches the others within this time.
 */
export const AUTH_CACHE_MS = 1000;
const AUTH_CACHE_MAX = 1000;

/** API keys: stored as hashes, shown once at creation; the bootstrap admin key comes from ADMIN_API_KEY. */
@Injectable()
export class ApiKeysService implements OnModuleInit {
  /** Recently verified keys by hash (never the key itself); only valid keys are remembered. */
  private readonly verified = new Map<string, { at: number; principal: Principal }>();
  /** Reads of api_keys under way, by hash (see authenticate). */
  private readonly reading = new Map<string, Promise<Principal | null>>();
  /** Revocations made by this process (a read begun before one is not remembered). */
  private revocations = 0;

  constructor(
    private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.db.query(
      `INSERT INTO api_keys (name, role, key_hash, prefix, bootstrap) VALUES ('ADMIN_API_KEY', 'admin', $1, $2, true)
       ON CONFLICT (bootstrap) WHERE bootstrap DO UPDATE SET key_hash = EXCLUDED.key_hash, prefix = EXCLUDED.prefix, revoked_at = NULL`,
      [hashApiKey(this.config.adminApiKey), displayPrefix(this.config.adminApiKey)],
    );
  }

  /**
   * Resolves a presented key to its principal, or null when unknown or revoked. Requests that find no
   * fresh cache entry while a read of the same key is under way share that read: once a second, every
   * request arriving during the read used to send its own (dozens a second on a busy API).
   */
  authenticate(key: string): Promise<Principal | null> {
    const hash = hashApiKey(key);
    const hit = this.verified.get(hash);
    if (hit && performance.now() - hit.at < AUTH_CACHE_MS) return Promise.resolve(hit.principal);
    let reading = this.reading.get(hash);
    if (!reading) {
      const mine: Promise<Principal | null> = this.read(hash, this.revocations).finally(() => {
        if (this.reading.get(hash) === mine) this.reading.delete(hash);
      });
      this.reading.set(hash, (reading = mine));
    }
    return reading;
  }

  /** Reads a key; remembers it only when no revocation happened here meanwhile (`revocations` as when the read began). */
  private async read(hash: string, revocations: number): Promise<Principal | null> {
    const rows: { id: string; role: Role; name: string; stale: boolean }[] = await this.db.query(
      `SELECT id, role, name, (last_used_at IS NULL OR last_used_at < now() - interval '1 minute') AS stale
         FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
      [hash],
    );
    const row = rows[0];
    if (!row) {
      this.verified.delete(hash);
      return null;
    }
    if (row.stale) {
      void this.db.query(`UPDATE api_keys SET last_used_at = now() WHERE id = $1`, [row.id]).catch(() => undefined);
    }
    const principal: Principal = { keyId: row.id, role: row.role, name: row.name };
    if (revocations !== this.revocations) return principal;
    if (this.verified.size >= AUTH_CACHE_MAX) this.verified.clear();
    this.verified.set(hash, { at: performance.now(), principal });
    return principal;
  }

  async create(name: string, role: Role): Promise<ApiKeyView & { key: string }> {
    const { key, prefix } = generateApiKey();
    const rows: ApiKeyRow[] = await this.db.query(
      `INSERT INTO api_keys (name, role, key_hash, prefix) VALUES ($1, $2, $3, $4) RETURNING *`,
      [name, role, hashApiKey(key), `nk_${prefix}`],
    );
    return { ...view(rows[0]), key };
  }

  async list(limit: number, cursor?: string): Promise<Page<ApiKeyView>> {
    const after = decodeCursor(cursor, ['timestamp', 'uuid']);
    const rows: ApiKeyRow[] = await this.db.query(
      `SELECT * FROM api_keys WHERE ($1::timestamptz IS NULL OR (created_at, id) > ($1::timestamptz, $2::uuid))
        ORDER BY created_at, id LIMIT $3`,
      [after?.[0] ?? null, after?.[1] ?? null, limit + 1],
    );
    return pageOf(rows.map(view), limit, (k) => [k.createdAt, k.id]);
  }

  async revoke(id: string, by: Principal): Promise<void> {
    if (id === by.keyId) throw new DomainError(ErrorCode.Conflict, 'A key cannot revoke itself.');
    const rows: ApiKeyRow[] = await this.db.query(`SELECT * FROM api_keys WHERE id = $1`, [id]);
    if (!rows[0]) throw DomainError.notFound('API key', id);
    if (rows[0].bootstrap) throw DomainError.conflict('The ADMIN_API_KEY key is managed by configuration; change the variable instead.');
    this.revocations++; // reads begun while the update is under way may not see it either
    await this.db.query(`UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1`, [id]);
    // Forget every verified key here (the hash of the revoked one is not at hand); others re-read within AUTH_CACHE_MS.
    // Reads begun before the revocation are neither shared with later requests nor remembered.
    this.revocations++;
    this.verified.clear();
    this.reading.clear();
  }
}
