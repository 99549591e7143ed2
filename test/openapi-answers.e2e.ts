import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { HELD_REASON } from '../src/email/email-messages.repository.js';
import { signToken } from '../src/tracking/domain/tracking-token.js';
import { OpenApiAnswers } from './support/openapi-answers.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * Every answer below is checked against the served OpenAPI document: its status is documented for the
 * operation, its content type is listed for that status, and its body is valid against the schema.
 */
describe('answers match the OpenAPI document', () => {
  let t: TestApp;
  let doc: OpenApiAnswers;

  beforeAll(async () => {
    t = await startTestApp({ env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', OUTBOX_RELAY_MS: '30', WEBHOOK_SWEEP_MS: '50' } });
    doc = await OpenApiAnswers.load(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Sends the request and checks the answer against the document; `path` is the operation's path template. */
  async function call(method: 'get' | 'post' | 'put' | 'patch' | 'delete', url: string, path: string, body?: object, status?: number): Promise<Response> {
    const req = t.api(method, url);
    const res = body === undefined ? await req : await req.send(body);
    if (status !== undefined) expect([res.status, res.text.slice(0, 500)]).toEqual([status, expect.anything()]);
    doc.expect(res, method, path);
    return res;
  }

  /** A nurture email as sent to the lead, without running a program. */
  async function sentMessage(leadId: string, status = 'sent'): Promise<string> {
    const [row] = await t.db.query(
      `INSERT INTO email_messages (idempotency_key, kind, lead_id, to_address, template_id, step_id, enrollment_id, status, status_reason, sent_at)
       VALUES ($1, 'nurture', $2, (SELECT email FROM leads WHERE id = $2), $3, 'welcome', $4, $5, $6, now()) RETURNING id`,
      [randomUUID(), leadId, randomUUID(), randomUUID(), status, status === 'held' ? HELD_REASON : null],
    );
    return row.id;
  }

  const unsubscribeToken = (messageId: string) => signToken(t.config.trackingSecret, { k: 'u', m: messageId });

  it('checks what it is given: an undocumented field type or status is reported', async () => {
    const res = await t.api('get', '/api/v1/leads');
    expect(doc.problems({ ...res, body: { items: [{ id: 1 }], nextCursor: null } } as Response, 'get', '/api/v1/leads')).not.toEqual([]);
    expect(doc.problems({ ...res, status: 299 } as Response, 'get', '/api/v1/leads')).toEqual([expect.stringContaining('does not document status 299')]);
    expect(doc.problems(res, 'get', '/api/v1/leads')).toEqual([]);
  });
});
