import { Writable } from 'node:stream';
import { pino } from 'pino';
import { REDACT_PATHS } from './logger.js';

describe('structured logs', () => {
  it('never write API keys, authorization headers or secrets', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = pino({ redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink);
    log.info({ req: { headers: { authorization: 'Bearer nk_12345678_secretvalue' } } }, 'request');
    log.info({ apiKey: 'nk_abc', secret: 'whsec_xyz', webhook: { secret: 'whsec_nested' } }, 'created');
    const out = lines.join('');
    expect(out).not.toMatch(/secretvalue|nk_abc|whsec_/);
    expect(out.match(/\[redacted\]/g)).toHaveLength(4);
  });
});
