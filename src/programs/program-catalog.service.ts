import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { peekReadAhead, takeReadAhead } from '../infra/database/transaction-read-ahead.js';
import type { ProgramDefinition } from './domain/program-definition.js';

/** A program that takes part in triggers and runs: active (enrolls and runs) or paused (holds). */
export interface LiveProgram {
  id: string;
  status: 'active' | 'paused';
  version: number;
  definition: ProgramDefinition;
}

const key = (programId: string, version: number) => `${programId}:${version}`;

/** Which programs are live: `json_agg` of id, status, version (null when none). */
export const LIVE_PROGRAMS_SQL = `SELECT json_agg(json_build_object('id', id, 'status', status, 'version', current_version))
   FROM programs WHERE status IN ('active','paused') AND current_version IS NOT NULL`;
/** The read-ahead key under which a transaction may leave the result of {@link LIVE_PROGRAMS_SQL} (see transaction-read-ahead). */
export const LIVE_PROGRAMS_READ_AHEAD = 'live-programs';

type LiveRow = { id: string; status: 'active' | 'paused'; version: number };

/**
 * Published program versions. A version never changes, so definitions are cached by number for
 * the life of the process; which version is current is one small indexed read per use.
 */
@Injectable()
export class ProgramCatalog {
  private readonly definitions = new Map<string, ProgramDefinition>();

  /** Active and paused programs with their current versions (read in the caller's transaction). */
  async live(manager: EntityManager): Promise<LiveProgram[]> {
    // Read ahead by the transaction's first statement (ingest does), or read now.
    const ahead = takeReadAhead<LiveRow[] | null>(manager, LIVE_PROGRAMS_READ_AHEAD);
    const rows: LiveRow[] =
      ahead !== undefined ? (ahead ?? []) : ((await manager.query(`SELECT (${LIVE_PROGRAMS_SQL}) AS live`))[0].live ?? []);
    if (!rows.length) return [];
    const defs = await this.definitionsOf(manager, rows.map((r) => ({ programId: r.id, version: r.version })));
    return rows.map((r) => ({ ...r, definition: defs.get(key(r.id, r.version))! }));
  }

  /** True when this transaction read ahead that no program is live (see {@link live}); false when it does not know. */
  noneLiveReadAhead(manager: EntityManager): boolean {
    const ahead = peekReadAhead<LiveRow[] | null>(manager, LIVE_PROGRAMS_READ_AHEAD);
    return ahead !== undefined && !ahead?.length;
  }

  /** Definitions of these versions, keyed `programId:version`; loads what is not cached yet in one query. */
  async definitionsOf(manager: EntityManager, wanted: { programId: string; version: number }[]): Promise<Map<string, ProgramDefinition>> {
    const missing = wanted.filter((w) => !this.definitions.has(key(w.programId, w.version)));
    if (missing.length) {
      const rows: { program_id: string; version: number; definition: ProgramDefinition }[] = await manager.query(
        `SELECT v.program_id, v.version, v.definition
           FROM program_versions v JOIN unnest($1::uuid[], $2::int[]) AS w(program_id, version)
             ON v.program_id = w.program_id AND v.version = w.version`,
        [missing.map((m) => m.programId), missing.map((m) => m.version)],
      );
      for (const r of rows) this.definitions.set(key(r.program_id, r.version), r.definition);
    }
    const out = new Map<string, ProgramDefinition>();
    for (const w of wanted) {
      const def = this.definitions.get(key(w.programId, w.version));
      if (def) out.set(key(w.programId, w.version), def);
    }
    return out;
  }

  async definition(manager: EntityManager, programId: string, version: number): Promise<ProgramDefinition | undefined> {
    return (await this.definitionsOf(manager, [{ programId, version }])).get(key(programId, version));
  }
}

export { key as programVersionKey };
