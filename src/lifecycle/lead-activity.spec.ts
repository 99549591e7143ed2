import type { EntityManager } from 'typeorm';
import { LeadActivityHub, type LeadActivityListener } from './lead-activity.js';

describe('LeadActivityHub.quiet', () => {
  const m = {} as EntityManager;
  const listener = (idle?: boolean): LeadActivityListener => ({
    onLeadActivity: async () => undefined,
    ...(idle === undefined ? {} : { idle: () => idle }),
  });

  it('is quiet only when every listener says it is idle in this transaction', () => {
    const hub = new LeadActivityHub();
    expect(hub.quiet(m)).toBe(true); // nobody listens
    hub.register(listener(true));
    expect(hub.quiet(m)).toBe(true);
    hub.register(listener(false));
    expect(hub.quiet(m)).toBe(false);
  });

  it('never takes a listener that cannot tell for idle', () => {
    const hub = new LeadActivityHub();
    hub.register(listener(true));
    hub.register(listener());
    expect(hub.quiet(m)).toBe(false);
  });
});
