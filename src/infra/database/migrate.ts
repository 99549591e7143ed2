import { loadConfig } from '../../config/app-config.js';
import { ensureDatabase, runMigrations } from './data-source.js';

/** `npm run migrate`: create the database if needed and apply pending migrations. */
const config = loadConfig();
await ensureDatabase(config.databaseUrl);
const applied = await runMigrations(config.databaseUrl);
console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
