import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { loadTemplateLibrary } from '../../email/domain/template-loader.js';
import { TemplateCompilerService } from '../../email/template-compiler.service.js';
import { ProgramsService, type ProgramView } from '../programs.service.js';
import { STARTER_PROGRAMS, STARTER_TEMPLATES, type StarterProgram, type StarterTemplate } from './starter-programs.js';

export interface StarterInstall {
  templates: { name: string; templateId: string; created: boolean }[];
  programs: { key: string; program: ProgramView; created: boolean }[];
}

const TEMPLATE_PREFIX = 'Starter: ';

/**
 * Installs the starter programs and the templates they send (from `templates/starters/`,
 * compiled like any template). Idempotent: what is installed already is kept as it is; a starter
 * template or program that was archived counts as not installed and is created again.
 * With `activate`, each starter program still in draft is published and starts enrolling.
 */
@Injectable()
export class StarterProgramsService {
  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly programs: ProgramsService,
    private readonly compiler: TemplateCompilerService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async install(activate: boolean, actor: string): Promise<StarterInstall> {
    const library = await loadTemplateLibrary();
    const templates: StarterInstall['templates'] = [];
    for (const name of STARTER_TEMPLATES) {
      const starter = library.starters[name];
      if (!starter) throw new Error(`templates/starters/${name} is missing`);
      const compiled = await this.compiler.compileVariants(starter.variants);
      templates.push(await this.db.transaction((m) => this.installTemplate(m, name, starter.variants, compiled, actor)));
    }
    const ids = Object.fromEntries(templates.map((t) => [t.name, t.templateId])) as Record<StarterTemplate, string>;
    const installed: StarterInstall['programs'] = [];
    for (const starter of STARTER_PROGRAMS) {
      installed.push(await this.db.transaction((m) => this.installProgram(m, starter, ids, activate, actor)));
    }
    return { templates, programs: installed };
  }

  /**
   * A starter program is installed while a program that is not archived has its key: an archived one is history (its
   * enrollments and stats stay), so installing again creates a new program from the starter, sending the current
   * starter templates. Under an advisory lock, so two concurrent installs cannot both create it (the partial unique
   * index programs_live_starter backs this) nor both publish it.
   */
  private async installProgram(
    m: EntityManager,
    starter: StarterProgram,
    ids: Record<StarterTemplate, string>,
    activate: boolean,
    actor: string,
  ): Promise<StarterInstall['programs'][number]> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtext('starter-programs'))`);
    const [existing]: { id: string }[] = await m.query(`SELECT id FROM programs WHERE starter = $1 AND status <> 'archived'`, [starter.key]);
    let program = existing ? await this.programs.get(existing.id, m) : await this.programs.create(starter.definition(ids), starter.key, m);
    if (activate && program.status === 'draft') program = await this.programs.publish(program.id, actor, m);
    return { key: starter.key, program, created: !existing };
  }

  private async installTemplate(
    m: EntityManager,
    name: string,
    variants: Record<string, unknown>,
    compiled: Record<string, unknown>,
    actor: string,
  ): Promise<{ name: string; templateId: string; created: boolean }> {
    // One installer at a time, so two concurrent installs cannot both create a template.
    await m.query(`SELECT pg_advisory_xact_lock(hashtext('starter-templates'))`);
    const [existing]: { id: string }[] = await m.query(`SELECT id FROM templates WHERE name = $1 AND archived_at IS NULL`, [TEMPLATE_PREFIX + name]);
    if (existing) return { name, templateId: existing.id, created: false };
    const now = this.clock.now().toISOString();
    const locale = variants[this.config.defaultLocale] ? this.config.defaultLocale : Object.keys(variants)[0];
    const [template]: { id: string }[] = await m.query(
      `INSERT INTO templates (name, default_locale, current_version, created_at, updated_at) VALUES ($1, $2, 1, $3, $3) RETURNING id`,
      [TEMPLATE_PREFIX + name, locale, now],
    );
    await m.query(
      `INSERT INTO template_versions (template_id, version, variants, compiled, default_locale, created_at, created_by) VALUES ($1, 1, $2, $3, $4, $5, $6)`,
      [template.id, JSON.stringify(variants), JSON.stringify(compiled), locale, now, actor],
    );
    return { name, templateId: template.id, created: true };
  }
}
