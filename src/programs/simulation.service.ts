import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainError, type FieldError } from '../common/domain-error.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { isStage } from '../scoring/domain/lifecycle.js';
import { ScoringModelService } from '../scoring/scoring-model.service.js';
import type { LeadSnapshot } from './domain/lead-facts.js';
import type { ProgramDefinition } from './domain/program-definition.js';
import { simulateProgram, type SimulationResult } from './domain/simulate.js';
import { isValidTimeZone, resolveTimeZone } from './domain/time-zone.js';
import type { SimulateDto } from './dto/simulate.dto.js';
import { refreshedSnapshot } from './lead-snapshot.js';
import { ProgramCatalog } from './program-catalog.service.js';

const TEXT_FIELDS = ['email', 'firstName', 'lastName', 'company', 'jobTitle', 'phone', 'locale', 'timezone'] as const;
const OBJECT_FIELDS = ['attributes', 'qualification', 'source'] as const;
const LEAD_FIELDS: readonly string[] = ['stage', 'engagementScore', 'fitScore', ...TEXT_FIELDS, ...OBJECT_FIELDS];

export interface SimulationView extends SimulationResult {
  programId: string;
  /** The simulated version, or null for the draft. */
  version: number | null;
  from: string;
  timezone: string;
}

/** "What would this program do to a lead like this?": the real interpreter on a virtual clock; nothing is written or sent. */
@Injectable()
export class SimulationService {
  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly catalog: ProgramCatalog,
    private readonly models: ScoringModelService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async simulate(programId: string, dto: SimulateDto): Promise<SimulationView> {
    const [program]: { draft: ProgramDefinition }[] = await this.db.query(`SELECT draft FROM programs WHERE id = $1`, [programId]);
    if (!program) throw DomainError.notFound('Program', programId);
    let definition = program.draft;
    if (dto.version !== undefined) {
      const published = await this.catalog.definition(this.db.manager, programId, dto.version);
      if (!published) throw DomainError.notFound(`Version ${dto.version} of program`, programId);
      definition = published;
    }
    const lead = sampleLead(dto.lead);
    const from = dto.from ? new Date(dto.from) : this.clock.now();
    const timezone = resolveTimeZone(lead.timezone, this.config.defaultTimezone);
    const { definition: model } = await this.models.currentForRead();
    const result = simulateProgram({
      definition,
      lead,
      events: (dto.events ?? []).map((e) => ({ type: e.type, at: new Date(e.at), properties: e.properties ?? {} })),
      from,
      zone: timezone,
      cap: this.config.programs.frequencyCap,
      holidays: this.config.programs.holidays,
      refreshLead: (l) => refreshedSnapshot(l, model),
    });
    return { programId, version: dto.version ?? null, from: from.toISOString(), timezone, ...result };
  }
}

/** Reads the sample lead of a simulation, naming each wrong field (`lead.stage`). */
function sampleLead(input: Record<string, unknown>): LeadSnapshot {
  const errors: FieldError[] = [];
  for (const key of Object.keys(input)) if (!LEAD_FIELDS.includes(key)) errors.push({ field: `lead.${key}`, message: 'is not a lead field' });
  const stage = input.stage ?? 'lead';
  if (!isStage(stage)) errors.push({ field: 'lead.stage', message: 'must be a lifecycle stage' });
  const number = (key: 'engagementScore' | 'fitScore') => {
    const v = input[key] ?? 0;
    if (typeof v !== 'number' || !Number.isFinite(v)) errors.push({ field: `lead.${key}`, message: 'must be a number' });
    return typeof v === 'number' ? v : 0;
  };
  const lead: LeadSnapshot = {
    stage: String(stage),
    engagementScore: number('engagementScore'),
    fitScore: number('fitScore'),
    attributes: {},
    qualification: {},
    source: {},
  };
  for (const key of TEXT_FIELDS) {
    const v = input[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') errors.push({ field: `lead.${key}`, message: 'must be a string' });
    else lead[key] = v;
  }
  if (typeof lead.timezone === 'string' && !isValidTimeZone(lead.timezone)) errors.push({ field: 'lead.timezone', message: 'is not a known IANA time zone' });
  for (const key of OBJECT_FIELDS) {
    const v = input[key];
    if (v === undefined) continue;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) errors.push({ field: `lead.${key}`, message: 'must be an object' });
    else lead[key] = v as Record<string, unknown>;
  }
  if (errors.length) throw DomainError.validation(errors, errors.map((e) => `${e.field}: ${e.message}`).join('; '));
  return lead;
}
