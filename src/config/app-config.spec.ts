import { ConfigError, loadConfig } from './app-config.js';

describe('configuration', () => {
  it('starts on this machine with no variables at all', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 3000, processRole: 'all', defaultTimezone: 'Europe/Brussels', defaultLocale: 'nl', reportingCurrency: 'EUR', production: false });
    expect(c.databaseUrl).toMatch(/^postgres:\/\/.*127\.0\.0\.1:5432/);
    expect(c.eventLiveWindowMs).toBe(24 * 3_600_000);
    expect(loadConfig({ EVENT_LIVE_WINDOW_HOURS: '72' }).eventLiveWindowMs).toBe(72 * 3_600_000);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PROCESS_ROLE: 'scheduler' }, 'PROCESS_ROLE'],
    [{ DEFAULT_TIMEZONE: 'Europe/Bruxelles' }, 'DEFAULT_TIMEZONE'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ ADMIN_API_KEY: 'short' }, 'ADMIN_API_KEY'],
    [{ RUN_MIGRATIONS: 'sometimes' }, 'RUN_MIGRATIONS'],
    [{ TEMPLATE_COMPILE_THREADS: '0' }, 'TEMPLATE_COMPILE_THREADS'],
    [{ TEMPLATE_COMPILE_MEMORY_MB: '16' }, 'TEMPLATE_COMPILE_MEMORY_MB'],
    [{ REPORTING_CURRENCY: 'euro' }, 'REPORTING_CURRENCY'],
    [{ EVENT_LIVE_WINDOW_HOURS: '0' }, 'EVENT_LIVE_WINDOW_HOURS'],
    [{ EVENT_LIVE_WINDOW_HOURS: '1.5' }, 'EVENT_LIVE_WINDOW_HOURS'],
    [{ SOFT_BOUNCE_LIMIT: '-1' }, 'SOFT_BOUNCE_LIMIT'],
    [{ SOFT_BOUNCE_LIMIT: 'three' }, 'SOFT_BOUNCE_LIMIT'],
    [{ SOFT_BOUNCE_WINDOW_DAYS: '0' }, 'SOFT_BOUNCE_WINDOW_DAYS'],
  ])('refuses %p naming the variable', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });

  it('suppresses after 3 soft bounces in 30 days unless told otherwise; SOFT_BOUNCE_LIMIT=0 turns it off', () => {
    expect(loadConfig({}).softBounces).toEqual({ limit: 3, windowDays: 30 });
    expect(loadConfig({ SOFT_BOUNCE_LIMIT: '0', SOFT_BOUNCE_WINDOW_DAYS: '90' }).softBounces).toEqual({ limit: 0, windowDays: 90 });
  });

  it('insists on real secrets in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow('ADMIN_API_KEY');
    expect(() => loadConfig({ NODE_ENV: 'production', ADMIN_API_KEY: 'a'.repeat(32) })).toThrow('TRACKING_SECRET');
  });

  it("insists on the sender's real postal address in production, and has stand-ins for development", () => {
    const secrets = { ADMIN_API_KEY: 'a'.repeat(32), TRACKING_SECRET: 't'.repeat(32) };
    expect(() => loadConfig({ NODE_ENV: 'production', ...secrets })).toThrow('SENDER_ADDRESS is required');
    const prod = loadConfig({ NODE_ENV: 'production', ...secrets, SENDER_ADDRESS: 'Kerkstraat 1, 2000 Antwerpen' });
    expect(prod.email.sender).toMatchObject({ address: 'Kerkstraat 1, 2000 Antwerpen', website: null, bookingUrl: null });
    expect(loadConfig({}).email.sender).toMatchObject({ address: 'Example Street 1, 1000 Brussels, Belgium', website: 'https://example.com', bookingUrl: null });
    expect(loadConfig({ SENDER_WEBSITE: 'https://studio-noord.example.be' }).email.sender.website).toBe('https://studio-noord.example.be');
  });
});
