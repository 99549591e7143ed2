import { MAX_SECRET_GRACE_SECONDS, signWebhook } from '../src/webhooks/domain/index.js';
import { HOUR, subscribe, upsertLead } from './handoffs-helpers.js';
import { eventually, type TestApp } from './support/test-app.js';
import { verifyWebhook, webhookWorld, type ReceivedWebhook, type WebhookReceiver } from './webhooks-receiver.js';

/**
 * Signing-secret rotation (POST /api/v1/webhooks/{id}/rotate-secret): the new secret is shown once; for the
 * grace period every delivery carries two Standard Webhooks signatures (new, then old), so a receiver still on
 * the old secret keeps verifying while it switches over; afterwards only the new one signs.
 */
describe('webhook signing-secret rotation', () => {
  const world = webhookWorld('2026-02-02T09:00:00Z');
  const { clock, receiver } = world;
  let t: TestApp;
  let leads = 0;
  beforeAll(() => {
    t = world.app();
  });

  /** A new lead, so every lead.created subscription gets one more delivery; returns what `r` received for it. */
  async function nextDelivery(r: WebhookReceiver): Promise<ReceivedWebhook> {
    const before = r.received.length;
    await upsertLead(t, `rotation-${++leads}@drukkerij.example.be`);
    return eventually(async () => (r.received.length > before ? r.received[r.received.length - 1] : null));
  }

  const signaturesOf = (hook: ReceivedWebhook) => hook.signature.split(' ');
  const signedWith = (secret: string, hook: ReceivedWebhook) => signWebhook(secret, hook.id, Number(hook.timestamp), hook.raw);
  const rotate = (id: string, body?: object, key?: string) => {
    const req = t.api('post', `/api/v1/webhooks/${id}/rotate-secret`, key);
    return body === undefined ? req : req.send(body);
  };

  it('shows the new secret once; for a day (the default grace) deliveries verify with the new and the old secret, then with the new only', async () => {
    const r = await receiver();
    const hook = await subscribe(t, r.url(), ['lead.created']);
    const rotatedAt = clock.now();

    const res = await rotate(hook.id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: hook.id,
      url: r.url(),
      events: ['lead.created'],
      active: true,
      secretRotatedAt: rotatedAt.toISOString(),
      previousSecretExpiresAt: new Date(rotatedAt.getTime() + 24 * HOUR).toISOString(),
    });
    const secret: string = res.body.secret;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(secret).not.toBe(hook.secret);

    // Reading shows the facts of the rotation, never a secret; the database keeps both secrets encrypted.
    const read = await t.api('get', `/api/v1/webhooks/${hook.id}`);
    expect(read.body).not.toHaveProperty('secret');
    expect(read.body).toMatchObject({ secretRotatedAt: rotatedAt.toISOString(), previousSecretExpiresAt: res.body.previousSecretExpiresAt });
    const [stored] = await t.db.query(`SELECT secret_encrypted, previous_secret_encrypted FROM webhook_subscriptions WHERE id = $1`, [hook.id]);
    expect(`${stored.secret_encrypted} ${stored.previous_secret_encrypted}`).not.toMatch(/whsec_/);

    // During the grace: exactly two signatures, the new one first; a receiver with either secret accepts.
    clock.advance(23 * HOUR);
    const during = await nextDelivery(r);
    expect(signaturesOf(during)).toEqual([signedWith(secret, during), signedWith(hook.secret, during)]);
    expect(verifyWebhook(secret, during, clock.now())).toMatchObject({ type: 'lead.created' });
    expect(verifyWebhook(hook.secret, during, clock.now())).toMatchObject({ type: 'lead.created' });

    // After the grace: the new secret only; the old one is dropped from the database by the sweep.
    clock.advance(HOUR);
    await eventually(async () => {
      const [row] = await t.db.query(`SELECT previous_secret_encrypted, previous_secret_expires_at FROM webhook_subscriptions WHERE id = $1`, [hook.id]);
      return row.previous_secret_encrypted === null && row.previous_secret_expires_at === null;
    });
    expect((await t.api('get', `/api/v1/webhooks/${hook.id}`)).body).toMatchObject({ secretRotatedAt: rotatedAt.toISOString(), previousSecretExpiresAt: null });
    const after = await nextDelivery(r);
    expect(signaturesOf(after)).toEqual([signedWith(secret, after)]);
    expect(verifyWebhook(secret, after, clock.now())).toMatchObject({ type: 'lead.created' });
    expect(() => verifyWebhook(hook.secret, after, clock.now())).toThrow('No matching signature found');
  });

  it('signs at send time: a retry and a replay of deliveries made before the rotation carry both signatures', async () => {
    const r = await receiver();
    const hook = await subscribe(t, r.url(), ['lead.created']);
    const delivered = await nextDelivery(r);
    expect(signaturesOf(delivered)).toEqual([signedWith(hook.secret, delivered)]);
    r.status = 503;
    const failed = await nextDelivery(r);
    const row = await eventually(async () => {
      const [d] = await t.db.query(`SELECT status, next_attempt_at FROM webhook_deliveries WHERE id = $1`, [failed.id]);
      return d.status === 'failed' ? (d as { next_attempt_at: Date }) : null;
    });

    const { body } = await rotate(hook.id, { graceSeconds: 3600 }).expect(200);
    r.status = 200;

    // The scheduled retry of the failed delivery, after the rotation.
    clock.set(new Date(row.next_attempt_at.getTime() + 1));
    const retried = await eventually(async () => r.received.find((x) => x.id === failed.id && x.answered === 200));
    expect(signaturesOf(retried)).toEqual([signedWith(body.secret, retried), signedWith(hook.secret, retried)]);
    expect(verifyWebhook(hook.secret, retried, clock.now())).toMatchObject({ type: 'lead.created' });
    expect(verifyWebhook(body.secret, retried, clock.now())).toMatchObject({ type: 'lead.created' });

    // A replay, on request, of the delivery made (and signed) before the rotation.
    await t.api('post', `/api/v1/webhooks/${hook.id}/deliveries/${delivered.id}/retry`).expect(202);
    const replayed = await eventually(async () => r.received.filter((x) => x.id === delivered.id)[1]);
    expect(signaturesOf(replayed)).toEqual([signedWith(body.secret, replayed), signedWith(hook.secret, replayed)]);

    // Once the hour is over, replays are signed with the new secret only.
    clock.advance(HOUR);
    await t.api('post', `/api/v1/webhooks/${hook.id}/deliveries/${delivered.id}/retry`).expect(202);
    const late = await eventually(async () => r.received.filter((x) => x.id === delivered.id)[2]);
    expect(signaturesOf(late)).toEqual([signedWith(body.secret, late)]);
  });

  it('graceSeconds 0 revokes the old secret at once: nothing of it is kept and deliveries carry the new signature only', async () => {
    const r = await receiver();
    const hook = await subscribe(t, r.url(), ['lead.created']);
    const res = await rotate(hook.id, { graceSeconds: 0 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ secretRotatedAt: clock.now().toISOString(), previousSecretExpiresAt: null });
    const [row] = await t.db.query(`SELECT previous_secret_encrypted, previous_secret_expires_at FROM webhook_subscriptions WHERE id = $1`, [hook.id]);
    expect(row).toEqual({ previous_secret_encrypted: null, previous_secret_expires_at: null });

    const hookAfter = await nextDelivery(r);
    expect(signaturesOf(hookAfter)).toHaveLength(1);
    expect(verifyWebhook(res.body.secret, hookAfter, clock.now())).toMatchObject({ type: 'lead.created' });
    expect(() => verifyWebhook(hook.secret, hookAfter, clock.now())).toThrow('No matching signature found');
  });

  it('a second rotation during the grace keeps two secrets at most: the then-current one becomes the previous, the oldest is gone', async () => {
    const r = await receiver();
    const hook = await subscribe(t, r.url(), ['lead.created']);
    const second = (await rotate(hook.id, { graceSeconds: 86_400 }).expect(200)).body;
    clock.advance(60_000);
    const third = (await rotate(hook.id, { graceSeconds: 600 }).expect(200)).body;
    expect(third).toMatchObject({
      secretRotatedAt: clock.now().toISOString(),
      previousSecretExpiresAt: new Date(clock.now().getTime() + 600_000).toISOString(),
    });

    const delivery = await nextDelivery(r);
    expect(signaturesOf(delivery)).toEqual([signedWith(third.secret, delivery), signedWith(second.secret, delivery)]);
    expect(() => verifyWebhook(hook.secret, delivery, clock.now())).toThrow('No matching signature found');
  });

  it('is described in the OpenAPI document, and its live answer and the GET after it match the Webhook schema there', async () => {
    const doc = (await t.http().get('/docs-json')).body;
    const op = doc.paths['/api/v1/webhooks/{id}/rotate-secret'].post;
    expect(op.requestBody).toMatchObject({ required: false, content: { 'application/json': { schema: { $ref: '#/components/schemas/RotateWebhookSecretDto' } } } });
    expect(doc.components.schemas.RotateWebhookSecretDto.properties.graceSeconds).toMatchObject({ type: 'integer', minimum: 0, maximum: MAX_SECRET_GRACE_SECONDS, default: 86_400 });
    expect(op.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Webhook' });
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '403', '404', '422']));

    const r = await receiver();
    const hook = await subscribe(t, r.url(), ['lead.created']);
    const rotated = await rotate(hook.id, { graceSeconds: 90 }).expect(200);
    expect(mismatches(rotated.body, { $ref: '#/components/schemas/Webhook' }, doc)).toEqual([]);
    expect(rotated.body).toHaveProperty('secret');
    const read = await t.api('get', `/api/v1/webhooks/${hook.id}`).expect(200);
    expect(mismatches(read.body, doc.paths['/api/v1/webhooks/{id}'].get.responses['200'].content['application/json'].schema, doc)).toEqual([]);
  });

  it('answers 404 for an unknown webhook', async () => {
    const res = await rotate('0196a3f0-0000-7000-8000-000000000000');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });

  it.each([
    ['negative', -1],
    ['fractional', 1.5],
    ['longer than a week', MAX_SECRET_GRACE_SECONDS + 1],
    ['a string', '86400'],
    ['null (it could be meant as no grace)', null],
  ])('refuses a graceSeconds that is %s with 422 naming graceSeconds, and rotates nothing', async (_label, graceSeconds) => {
    const r = await receiver();
    const hook = await subscribe(t, r.url(), ['lead.created']);
    const res = await rotate(hook.id, { graceSeconds });
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const message = graceSeconds === null ? 'must not be null; leave the field out instead' : expect.stringMatching(/0 to 604800/);
    expect(res.body.errors).toEqual([{ field: 'graceSeconds', message }]);
    expect((await t.api('get', `/api/v1/webhooks/${hook.id}`)).body).toMatchObject({ secretRotatedAt: null, previousSecretExpiresAt: null });
  });

  it('refuses an unknown field with 422 naming it', async () => {
    const r = await receiver();
    const hook = await subscribe(t, r.url(), ['lead.created']);
    const res = await rotate(hook.id, { grace: 60 });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ field: 'grace', message: 'is not a known field' }]);
  });

  it('is refused (403) to keys without a role that manages webhooks (sales, ingest), like the other webhook writes', async () => {
    const r = await receiver();
    const hook = await subscribe(t, r.url(), ['lead.created']);
    for (const role of ['sales', 'ingest']) {
      const key = await t.api('post', '/api/v1/api-keys').send({ name: `rotation ${role}`, role }).expect(201);
      const res = await rotate(hook.id, {}, key.body.key);
      expect(res.status).toBe(403);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    expect((await t.api('get', `/api/v1/webhooks/${hook.id}`)).body.secretRotatedAt).toBeNull();
    const marketer = await t.api('post', '/api/v1/api-keys').send({ name: 'rotation marketer', role: 'marketer' }).expect(201);
    expect((await rotate(hook.id, {}, marketer.body.key)).status).toBe(200);
  });

  it('with an Idempotency-Key rotates once, keeps the new secret out of the stored answer, and a retry gets it back', async () => {
    const r = await receiver();
    const hook = await subscribe(t, r.url(), ['lead.created']);
    const once = () => rotate(hook.id, { graceSeconds: 7200 }).set('idempotency-key', `rotate-${hook.id}`);
    const first = await once();
    expect(first.status).toBe(200);
    expect(first.body.secret).toMatch(/^whsec_/);
    const [record] = await t.db.query(`SELECT response::text AS response FROM idempotency_records WHERE key = $1`, [`rotate-${hook.id}`]);
    expect(record.response).not.toContain(first.body.secret);
    expect(record.response).not.toContain('whsec_');
    expect(JSON.parse(record.response)).toMatchObject({ id: hook.id, secretRotatedAt: first.body.secretRotatedAt });

    clock.advance(1000);
    const again = await once();
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    // Rotated once only: the secret from creation still signs, beside the new one.
    const delivery = await nextDelivery(r);
    expect(signaturesOf(delivery)).toEqual([signedWith(first.body.secret, delivery), signedWith(hook.secret, delivery)]);

    // Once a later rotation has replaced that secret, a retry no longer hands it out, nor does a retried create.
    clock.advance(1000);
    await rotate(hook.id, { graceSeconds: 60 }).expect(200);
    const late = await once();
    expect(late.headers['idempotent-replayed']).toBe('true');
    expect(late.body).toEqual({ ...first.body, secret: undefined });
    expect(late.body).not.toHaveProperty('secret');
  });

  it('a retried create after a rotation no longer hands out the secret from creation', async () => {
    const r = await receiver();
    const body = { url: r.url('/hooks/created-then-rotated'), events: ['lead.created'] };
    const create = () => t.api('post', '/api/v1/webhooks').set('idempotency-key', 'create-then-rotate').send(body);
    const first = await create().expect(201);
    expect((await create()).body).toEqual(first.body);
    await rotate(first.body.id).expect(200);
    const again = await create();
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).not.toHaveProperty('secret');
    expect(again.body.id).toBe(first.body.id);
  });
});

type JsonSchema = { $ref?: string; type?: string; nullable?: boolean; format?: string; required?: string[]; properties?: Record<string, JsonSchema>; items?: JsonSchema; additionalProperties?: unknown };

/** Where `value` departs from an OpenAPI 3.0 `schema` of `doc` (the subset the hand-written response schemas use). */
function mismatches(value: unknown, schema: JsonSchema, doc: { components: { schemas: Record<string, JsonSchema> } }, at = '$'): string[] {
  if (schema.$ref) return mismatches(value, doc.components.schemas[schema.$ref.split('/').pop()!], doc, at);
  if (value === null) return schema.nullable ? [] : [`${at} is null`];
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') return [`${at} is not a string`];
      if (schema.format === 'date-time' && Number.isNaN(Date.parse(value))) return [`${at} is not a date-time`];
      if (schema.format === 'uuid' && !/^[0-9a-f-]{36}$/i.test(value)) return [`${at} is not a uuid`];
      return [];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${at} is not a boolean`];
    case 'integer':
    case 'number':
      return typeof value === 'number' ? [] : [`${at} is not a number`];
    case 'array':
      return Array.isArray(value) ? value.flatMap((v, i) => mismatches(v, schema.items ?? {}, doc, `${at}[${i}]`)) : [`${at} is not an array`];
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return [`${at} is not an object`];
      const props = schema.properties ?? {};
      const record = value as Record<string, unknown>;
      return [
        ...(schema.required ?? []).filter((k) => !(k in record)).map((k) => `${at}.${k} is missing`),
        ...Object.keys(record).flatMap((k) =>
          k in props ? mismatches(record[k], props[k], doc, `${at}.${k}`) : schema.additionalProperties ? [] : [`${at}.${k} is not in the schema`],
        ),
      ];
    }
    default:
      return [];
  }
}
