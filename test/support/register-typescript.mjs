// @ts-check
/** `node --import ./test/support/register-typescript.mjs src/main.ts`: runs the service from its sources (see src/email/typescript-source-hooks.mjs). */
import { register } from 'node:module';

register('../../src/email/typescript-source-hooks.mjs', import.meta.url);
