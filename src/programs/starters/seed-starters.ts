import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { SystemClock } from '../../common/clock.js';
import { loadConfig } from '../../config/app-config.js';
import { dataSourceOptions, ensureDatabase, runMigrations } from '../../infra/database/data-source.js';
import { TemplateCompilePool } from '../../email/template-compile-pool.js';
import { TemplateCompilerService } from '../../email/template-compiler.service.js';
import { ProgramsService } from '../programs.service.js';
import { StarterProgramsService } from './starter-programs.service.js';

/**
 * `node dist/src/programs/starters/seed-starters.js [--activate]`: installs the starter programs and
 * their templates (idempotent). With --activate they are published and start enrolling leads.
 */
const config = loadConfig();
await ensureDatabase(config.databaseUrl);
await runMigrations(config.databaseUrl);
const db = await new DataSource(dataSourceOptions(config.databaseUrl, 2)).initialize();
const pool = TemplateCompilePool.forConfig(config);
try {
  const clock = new SystemClock();
  const compiler = new TemplateCompilerService(pool);
  const starters = new StarterProgramsService(db, clock, new ProgramsService(db, clock, config), compiler, config);
  const result = await starters.install(process.argv.includes('--activate'), 'seed:starters');
  for (const t of result.templates) console.log(`template ${t.name}: ${t.templateId}${t.created ? ' (created)' : ''}`);
  for (const p of result.programs) console.log(`program ${p.key}: ${p.program.id} ${p.program.status}${p.created ? ' (created)' : ''}`);
} finally {
  await pool.close();
  await db.destroy();
}
