// @ts-check
/** `node --import ./test/support/register-typescript.mjs src/main.ts`: runs the service from its sources (see typescript-hooks.mjs). */
import { register } from 'node:module';

register('./typescript-hooks.mjs', import.meta.url);
