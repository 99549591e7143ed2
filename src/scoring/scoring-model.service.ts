import { Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { NULL_REFUSED } from '../common/null-refused.js';
import { DEFAULT_SCORING_MODEL, ScoringModelDefinition, validateScoringModel } from './domain/scoring-model.js';
import { startReevaluation } from './reevaluation-runs.js';

export interface ScoringModelVersion {
  version: number;
  definition: ScoringModelDefinition;
  createdAt: string;
  createdBy: string;
}

const READ_CACHE_MS = 1000;

/**
 * The versioned scoring model. Versions are immutable, so they are cached by number; which
 * version is current is read from the database (for display, at most a second old).
 */
@Injectable()
export class ScoringModelService implements OnModuleInit {
  private readonly byVersion = new Map<number, ScoringModelVersion>();
  private latestCache: { at: number; model: ScoringModelVersion } | null = null;
  private newest: ScoringModelVersion | null = null;

  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.db.query(
      `INSERT INTO scoring_models (version, definition, created_by) VALUES (1, $1, 'default') ON CONFLICT (version) DO NOTHING`,
      [JSON.stringify(DEFAULT_SCORING_MODEL)],
    );
  }

  /** The current version, read inside the caller's transaction (used when scoring). */
  async current(manager: EntityManager = this.db.manager): Promise<ScoringModelVersion> {
    const [row]: { version: number }[] = await manager.query(`SELECT max(version) AS version FROM scoring_models`);
    if (row?.version == null) throw new Error('No scoring model; migrations or start-up seeding did not run');
    return this.version(row.version, manager);
  }

  /** The current version for read paths: may be up to a second old. */
  async currentForRead(): Promise<ScoringModelVersion> {
    const now = performance.now();
    if (this.latestCache && now - this.latestCache.at < READ_CACHE_MS) return this.latestCache.model;
    const model = await this.current();
    this.latestCache = { at: now, model };
    return model;
  }

  /** The newest version this process has used (no query; may be stale: callers check the version in their transaction). */
  cachedLatest(): ScoringModelVersion | null {
    return this.newest;
  }

  /** Records a version as in use (see {@link cachedLatest}). */
  remember(model: ScoringModelVersion): void {
    if (!this.newest || model.version >= this.newest.version) this.newest = model;
  }

  async version(version: number, manager: EntityManager = this.db.manager): Promise<ScoringModelVersion> {
    const cached = this.byVersion.get(version);
    if (cached) return cached;
    const [row]: { version: number; definition: ScoringModelDefinition; created_at: Date; created_by: string }[] =
      await manager.query(`SELECT * FROM scoring_models WHERE version = $1`, [version]);
    if (!row) throw DomainError.notFound('Scoring model version', String(version));
    const model = { version: row.version, definition: row.definition, createdAt: row.created_at.toISOString(), createdBy: row.created_by };
    this.byVersion.set(version, model);
    return model;
  }

  /**
   * Publishes a new immutable version; past ledger rows keep the version that produced them. Every lead is then
   * re-evaluated under it in the background (ScoringReevaluationService), superseding a re-evaluation under way.
   */
  async publish(input: unknown, actor: string): Promise<ScoringModelVersion> {
    const { definition, path } = unwrapVersion(input);
    const checked = validateScoringModel(definition);
    const model = checked.model;
    // Sent inside a version, the definition is a field: a null one is refused as any null field is.
    const errors = path
      ? checked.errors.map((e) => (e.field ? { ...e, field: `${path}.${e.field}` } : { field: path, message: definition === null ? NULL_REFUSED : e.message }))
      : checked.errors.map((e) => (e.field ? e : { ...e, field: 'body' })); // a body that is not an object
    if (!model || errors.length) throw DomainError.validation(errors, errors.map((e) => `${e.field}: ${e.message}`).join('; '));
    return this.db.transaction(async (m) => {
      await m.query(`LOCK TABLE scoring_models IN SHARE ROW EXCLUSIVE MODE`);
      const [row]: { version: number; created_at: Date }[] = await m.query(
        `INSERT INTO scoring_models (version, definition, created_by, created_at)
         SELECT coalesce(max(version), 0) + 1, $1, $2, $3 FROM scoring_models RETURNING version, created_at`,
        [JSON.stringify(model), actor, this.clock.now().toISOString()],
      );
      await startReevaluation(m, row.version, row.created_at);
      this.latestCache = null;
      return { version: row.version, definition: model, createdAt: row.created_at.toISOString(), createdBy: actor };
    });
  }
}

/** The fields GET /scoring-model answers besides the definition: sent back with it, they are ignored. */
const VERSION_FIELDS = new Set(['version', 'definition', 'createdAt', 'createdBy', 'reevaluation']);

/**
 * The definition to publish: the body itself, or — when the body is a version as GET /scoring-model answers
 * it (`{version, definition, createdAt, createdBy, reevaluation}`), so a client can edit what it read and send it back —
 * its `definition`, with errors then named under `definition.`.
 */
function unwrapVersion(input: unknown): { definition: unknown; path: string } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { definition: input, path: '' };
  const body = input as Record<string, unknown>;
  if (!('definition' in body) || !Object.keys(body).every((k) => VERSION_FIELDS.has(k))) return { definition: input, path: '' };
  return { definition: body.definition, path: 'definition' };
}
