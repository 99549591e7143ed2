import { SmtpSink } from './support/smtp-sink.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * GET /health reports PostgreSQL, Redis and where email goes. An SMTP relay that cannot be reached makes the
 * service degraded but still serving (200): email waits and is retried.
 */
describe('health with its email check', () => {
  it('reports the development mailbox when no SMTP relay is set', async () => {
    const t = await startTestApp();
    try {
      const res = await t.http().get('/health');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        status: 'ok',
        checks: { database: { status: 'up' }, redis: { status: 'up' }, smtp: { status: 'up', transport: 'dev-mailbox' } },
      });
    } finally {
      await t.close();
    }
  });

  it('is degraded in production without an SMTP relay: email would reach nobody', async () => {
    const t = await startTestApp({ env: { NODE_ENV: 'production', TRACKING_SECRET: 'production-tracking-secret-0123456789abcdef', SENDER_ADDRESS: 'Kerkstraat 1, 2000 Antwerpen' } });
    try {
      const res = await t.http().get('/health');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'degraded', checks: { database: { status: 'up' }, smtp: { status: 'down', transport: 'dev-mailbox' } } });
      expect(res.body.checks.smtp.error).toMatch(/SMTP_URL is not set/);
    } finally {
      await t.close();
    }
  });

  it('reaches the SMTP relay, and reuses the result for a while instead of connecting on every request', async () => {
    const sink = await SmtpSink.start();
    const t = await startTestApp({ env: { SMTP_URL: sink.url } });
    try {
      const first = await t.http().get('/health');
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ status: 'ok', checks: { smtp: { status: 'up', transport: 'smtp' } } });
      expect(first.body.checks.smtp.latencyMs).toEqual(expect.any(Number));
      const again = await Promise.all([t.http().get('/health'), t.http().get('/health')]);
      expect(again.map((r) => r.body.checks.smtp.status)).toEqual(['up', 'up']);
      expect(sink.connections).toBe(1);
    } finally {
      await t.close();
      await sink.close();
    }
  });

  it('is degraded but still serving (200) when the relay cannot be reached, and never shows its credentials', async () => {
    const t = await startTestApp({ env: { SMTP_URL: 'smtp://mailer:s3cret-pass@127.0.0.1:1' } });
    try {
      const res = await t.http().get('/health');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'degraded', checks: { database: { status: 'up' }, redis: { status: 'up' }, smtp: { status: 'down', transport: 'smtp' } } });
      expect(res.body.checks.smtp.error).toEqual(expect.any(String));
      expect(res.text).not.toContain('s3cret-pass');
    } finally {
      await t.close();
    }
  });
});
