import { ConfigError, loadConfig } from '../config/app-config.js';
import { DEFAULT_OFFICE_WEEK } from './domain/index.js';

const load = (env: Record<string, string>) => loadConfig({ NODE_ENV: 'test', ...env });

describe('hand-off and webhook configuration', () => {
  it('defaults to Monday–Friday 09:00–17:00 in Brussels, 15 office minutes / 1 office day / 3 office days, no reassignment, no private webhook targets', () => {
    const config = load({});
    expect(config.handoffs.officeWeek).toEqual({ ...DEFAULT_OFFICE_WEEK, holidays: [] });
    expect(config.handoffs.sla).toEqual({ high: { officeMinutes: 15 }, medium: { officeDays: 1 }, low: { officeDays: 3 } });
    expect(config.handoffs.slaReassign).toBe(false);
    expect(config.webhooks).toMatchObject({ allowPrivateNetworks: false, timeoutMs: 10_000, disableAfterMs: 72 * 3_600_000 });
  });

  it("reads the team's own week, holidays and response times", () => {
    const config = load({
      OFFICE_HOURS: JSON.stringify({ zone: 'Europe/Amsterdam', days: { mon: [{ from: '08:30', to: '12:00' }, { from: '13:00', to: '17:30' }], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] } }),
      HOLIDAYS: '2026-04-06, 2026-05-14',
      SLA_HIGH_MINUTES: '30',
      SLA_REASSIGN: 'true',
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    });
    expect(config.handoffs.officeWeek.zone).toBe('Europe/Amsterdam');
    expect(config.handoffs.officeWeek.days.mon).toHaveLength(2);
    expect(config.handoffs.officeWeek.holidays).toEqual(['2026-04-06', '2026-05-14']);
    expect(config.handoffs.sla.high).toEqual({ officeMinutes: 30 });
    expect(config.handoffs.slaReassign).toBe(true);
    expect(config.webhooks.allowPrivateNetworks).toBe(true);
  });

  it('keeps an SLA configured in office minutes, and takes office days for any priority', () => {
    const config = load({ SLA_MEDIUM_MINUTES: '1440', SLA_HIGH_OFFICE_DAYS: '1', SLA_LOW_OFFICE_DAYS: '5' });
    expect(config.handoffs.sla).toEqual({ high: { officeDays: 1 }, medium: { officeMinutes: 1440 }, low: { officeDays: 5 } });
  });

  it('refuses an SLA given both in minutes and in office days, or a number of office days that is not a positive whole number', () => {
    expect(() => load({ SLA_MEDIUM_MINUTES: '480', SLA_MEDIUM_OFFICE_DAYS: '1' })).toThrow(new ConfigError('Set SLA_MEDIUM_MINUTES or SLA_MEDIUM_OFFICE_DAYS, not both'));
    expect(() => load({ SLA_MEDIUM_OFFICE_DAYS: '0' })).toThrow(/SLA_MEDIUM_OFFICE_DAYS must be between 1/);
    expect(() => load({ SLA_LOW_OFFICE_DAYS: '1.5' })).toThrow(/SLA_LOW_OFFICE_DAYS must be a whole number/);
  });

  it('stops start-up naming the variable when the office week or a holiday is wrong', () => {
    expect(() => load({ OFFICE_HOURS: '{not json' })).toThrow(new ConfigError('OFFICE_HOURS must be JSON like {"zone":"Europe/Brussels","days":{"mon":[{"from":"09:00","to":"17:00"}],…}}'));
    expect(() => load({ OFFICE_HOURS: JSON.stringify({ zone: 'Mars/Olympus' }) })).toThrow(/OFFICE_HOURS: zone must be an IANA time zone/);
    expect(() => load({ HOLIDAYS: '2026-02-30' })).toThrow(/HOLIDAYS: holidays\[0\] must be a calendar date/);
    expect(() => load({ SLA_HIGH_MINUTES: '0' })).toThrow(/SLA_HIGH_MINUTES must be between 1/);
  });

  it('recycles an untaken MQL after 30 days without engagement, looked for hourly, unless told otherwise (0 never)', () => {
    expect(load({}).handoffs).toMatchObject({ mqlColdAfterMs: 30 * 86_400_000, mqlColdSweepMs: 3_600_000 });
    expect(load({ MQL_COLD_AFTER_DAYS: '45', MQL_COLD_SWEEP_MS: '60000' }).handoffs).toMatchObject({ mqlColdAfterMs: 45 * 86_400_000, mqlColdSweepMs: 60_000 });
    expect(load({ MQL_COLD_AFTER_DAYS: '0' }).handoffs.mqlColdAfterMs).toBe(0);
    expect(() => load({ MQL_COLD_AFTER_DAYS: '-1' })).toThrow(/MQL_COLD_AFTER_DAYS must be a whole number/);
    expect(() => load({ MQL_COLD_AFTER_DAYS: '2.5' })).toThrow(/MQL_COLD_AFTER_DAYS must be a whole number/);
    expect(() => load({ MQL_COLD_SWEEP_MS: '5' })).toThrow(/MQL_COLD_SWEEP_MS must be between 20/);
  });

  it('keeps the webhook log 30 days unless told otherwise (0 keeps it), and refuses a retention that is not whole days', () => {
    expect(load({}).webhooks.logRetentionMs).toBe(30 * 86_400_000);
    expect(load({ WEBHOOK_LOG_RETENTION_DAYS: '7' }).webhooks.logRetentionMs).toBe(7 * 86_400_000);
    expect(load({ WEBHOOK_LOG_RETENTION_DAYS: '0' }).webhooks.logRetentionMs).toBe(0);
    expect(() => load({ WEBHOOK_LOG_RETENTION_DAYS: '1.5' })).toThrow(/WEBHOOK_LOG_RETENTION_DAYS must be a whole number/);
  });
});
