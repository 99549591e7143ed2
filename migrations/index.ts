import { CreateCore1764000000000 } from './1764000000000-CreateCore.js';
import { CreateEmail1764000100000 } from './1764000100000-CreateEmail.js';

/** Every migration, in order. Add new ones at the end. */
export const MIGRATIONS = [CreateCore1764000000000, CreateEmail1764000100000];
