import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * `npm run demo`: shows the whole loop against a running service (`npm start`) in a few minutes,
 * with the built-in development mailbox. Needs WEBHOOK_ALLOW_PRIVATE_NETWORKS=true on the service
 * for the local webhook receiver (the demo says so when it is off).
 */
const BASE = (process.env.DEMO_URL ?? 'http://localhost:3000').replace(/\/$/, '');
const KEY = process.env.ADMIN_API_KEY ?? 'dev-admin-key-change-me';
const say = (msg: string) => console.log(`\x1b[36m▸\x1b[0m ${msg}`);
const show = (label: string, value: unknown) => console.log(`  ${label}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${BASE}${path}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${data?.detail ?? text}`);
  return data as T;
}

async function until<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

/** Mailbox entries from the development mailbox page: id, recipient and subject. */
async function mailbox(): Promise<{ id: string; to: string; subject: string }[]> {
  const html = await (await fetch(`${BASE}/dev/mailbox`)).text();
  const rows = [...html.matchAll(/<tr><td>[^<]*<\/td><td>([^<]*)<\/td>\s*<td><a href="\/dev\/mailbox\/([0-9a-f-]{36})">([^<]*)<\/a>/g)];
  return rows.map((m) => ({ to: m[1], id: m[2], subject: m[3] }));
}

function startReceiver(received: { headers: http.IncomingHttpHeaders; body: string }[]) {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  return new Promise<http.Server>((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function verifySignature(secret: string, h: http.IncomingHttpHeaders, body: string): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${h['webhook-id']}.${h['webhook-timestamp']}.${body}`).digest('base64');
  return String(h['webhook-signature'] ?? '').split(' ').includes(`v1,${expected}`);
}

async function main() {
  say(`Nurture engine demo against ${BASE}`);
  const health = await fetch(`${BASE}/health`).then((r) => r.json()).catch(() => null);
  if (!health) throw new Error(`no service at ${BASE}; start it with "npm start" first`);

  const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  const receiver = await startReceiver(received);
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  let secret: string | null = null;
  try {
    const hook = await api('POST', '/api/v1/webhooks', { url: hookUrl, events: ['lead.mql', 'handoff.created', 'lead.stage_changed'] });
    secret = hook.secret;
    say(`webhook receiver listening at ${hookUrl} (secret shown once: ${secret!.slice(0, 12)}…)`);
  } catch (err) {
    say(`webhooks to a local receiver are refused (${(err as Error).message}); restart the service with WEBHOOK_ALLOW_PRIVATE_NETWORKS=true to see them`);
  }

  const rep = await api('POST', '/api/v1/sales-reps', { name: 'Sofie Maes', email: `sofie.${Date.now()}@example.be`, locales: ['nl'], weight: 1 });
  say(`sales rep ${rep.name} (${rep.id})`);

  // Earlier demo runs leave their programs behind; archive them so each lead gets only this run's emails.
  const earlier = await api('GET', '/api/v1/programs?limit=200');
  for (const p of earlier.items.filter((x: { name: string; status: string }) => x.name.startsWith('Demo:') && x.status !== 'archived')) {
    await api('POST', `/api/v1/programs/${p.id}/archive`);
  }
  const starters = await api('POST', '/api/v1/programs/starters', { activate: false });
  say(`starter templates installed: ${starters.templates.map((t: { name: string }) => t.name).join(', ')}`);
  // The welcome email is the starter template (confirm, one proof, one qualifying question, one next step);
  // the reminder, for those who did not click, is a shorter one of its own with the library's partials.
  const welcomeGuide = starters.templates.find((t: { name: string }) => t.name === 'welcome-guide').templateId as string;
  const reminderBody = (text: { greeting: string; lead: string; question: string; hint: string; cta: string; regards: string }) =>
    `<mj-section><mj-column><mj-text><p>${text.greeting}</p><p>${text.lead}</p></mj-text></mj-column></mj-section>` +
    `{{> question question="${text.question}" hint="${text.hint}"}}` +
    `{{> button url=(fallback sender.bookingUrl sender.website) label="${text.cta}"}}` +
    `<mj-section><mj-column><mj-text><p>${text.regards}<br />{{fallback sender.signature sender.name}}</p></mj-text></mj-column></mj-section>`;
  const reminder = await api('POST', '/api/v1/templates', {
    name: `Demo guide reminder ${Date.now()}`,
    defaultLocale: 'en',
    variants: {
      nl: {
        subject: 'Had je al tijd voor de gids{{#if firstName}}, {{firstName}}{{/if}}?',
        mjml: reminderBody({
          greeting: 'Hallo {{fallback firstName "daar"}},',
          lead: 'Een paar dagen geleden downloadde je onze gids. Eén korte vraag, zodat we je alleen sturen wat je echt helpt:',
          question: 'Wat wil je als eerste aanpakken?',
          hint: 'Antwoord gewoon op deze e-mail, één zin is genoeg.',
          cta: 'Plan een gesprek van 15 minuten',
          regards: 'Met vriendelijke groet,',
        }),
      },
      en: {
        subject: 'Did the guide help{{#if firstName}}, {{firstName}}{{/if}}?',
        mjml: reminderBody({
          greeting: 'Hi {{fallback firstName "there"}},',
          lead: 'A few days ago you downloaded our guide. One short question, so we only send you what actually helps:',
          question: 'What would you like to tackle first?',
          hint: 'Just reply to this email; one sentence is enough.',
          cta: 'Book a 15-minute call',
          regards: 'Kind regards,',
        }),
      },
      fr: {
        subject: 'Le guide vous a-t-il aidé{{#if firstName}}, {{firstName}}{{/if}} ?',
        mjml: reminderBody({
          greeting: 'Bonjour{{#if firstName}} {{firstName}}{{/if}},',
          lead: 'Il y a quelques jours, vous avez téléchargé notre guide. Une seule question, pour ne vous envoyer que ce qui vous aide vraiment :',
          question: 'Par quoi souhaitez-vous commencer ?',
          hint: 'Répondez simplement à cet e-mail ; une phrase suffit.',
          cta: 'Réserver un appel de 15 minutes',
          regards: 'Bien cordialement,',
        }),
      },
    },
  }).then((t) => t.id as string);
  const program = await api('POST', '/api/v1/programs', {
    name: `Demo: welcome after a download (${new Date().toISOString().slice(11, 19)})`,
    trigger: { type: 'event', eventType: 'content_downloaded' },
    goal: { anyOf: [{ stageAtLeast: 'mql' }, { event: 'meeting_booked' }] },
    sendWindow: { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '24:00' },
    steps: [
      { id: 'welcome', type: 'email', templateId: welcomeGuide, next: 'pause' },
      { id: 'pause', type: 'wait', duration: 'PT20S', next: 'clicked' },
      { id: 'clicked', type: 'branch', if: { clicked: { step: 'welcome' } }, then: 'done', else: 'reminder' },
      { id: 'reminder', type: 'email', templateId: reminder, next: 'done' },
      { id: 'done', type: 'exit' },
    ],
  });
  await api('POST', `/api/v1/programs/${program.id}/publish`);
  say(`program "${program.name}" published`);

  const stamp = Date.now();
  const people = [
    { email: `an.peeters+${stamp}@example.be`, firstName: 'An', company: 'Bakkerij Peeters', locale: 'nl', channel: 'google_ads', industry: 'food' },
    { email: `marc.dubois+${stamp}@example.be`, firstName: 'Marc', company: 'Dubois SRL', locale: 'fr', channel: 'meta' },
    { email: `eva.jansen+${stamp}@example.nl`, firstName: 'Eva', company: 'Jansen BV', locale: 'en', channel: 'linkedin' },
  ];
  const leads: Record<string, string> = {};
  for (const p of people) {
    const lead = await api('POST', '/api/v1/leads', {
      email: p.email,
      firstName: p.firstName,
      company: p.company,
      locale: p.locale,
      source: { channel: p.channel, campaign: 'demo' },
      consent: { status: 'granted', basis: 'consent', text: 'Yes, send me tips', source: 'demo' },
      qualification: { need: 'new website', timeline: 'this quarter' },
      // The welcome email's proof comes from the lead's own industry when it knows one.
      ...('industry' in p ? { attributes: { industry: p.industry } } : {}),
    });
    leads[p.email] = lead.id;
    say(`lead ${p.firstName} from ${p.channel} → ${lead.stage}`);
  }

  say('each lead downloads the guide; the program sends the welcome email');
  await api('POST', '/api/v1/events', { events: people.map((p) => ({ email: p.email, type: 'content_downloaded', properties: { asset: 'gids-website-kosten' } })) });
  const mails = await until('three welcome emails in the mailbox', async () => {
    const all = (await mailbox()).filter((m) => people.some((p) => p.email === m.to));
    return all.length >= 3 ? all : null;
  });
  for (const m of mails) show(`✉ to ${m.to}`, `"${m.subject}" — ${BASE}/dev/mailbox/${m.id}`);

  const an = people[0];
  const anMail = mails.find((m) => m.to === an.email)!;
  say('link scanners click within seconds of delivery; a person reads later — waiting 12 s before An opens and clicks');
  await sleep(12_000);
  const html = await (await fetch(`${BASE}/dev/mailbox/${anMail.id}`)).text();
  const pixel = /\/t\/o\/[A-Za-z0-9_.-]+/.exec(html)?.[0];
  // The first visible tracked link (the hidden honeypot link is there for scanners only).
  const click = [...html.matchAll(/<a\b[^>]*>/g)]
    .map((m) => m[0])
    .filter((tag) => !/display:\s*none/i.test(tag))
    .map((tag) => /href="([^"]*\/t\/c\/[A-Za-z0-9_.-]+)"/.exec(tag)?.[1])
    .find((u): u is string => Boolean(u));
  if (pixel) await fetch(`${BASE}${pixel}`, { headers: { 'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15' } });
  if (click) {
    const res = await fetch(click.startsWith('http') ? click : `${BASE}${click}`, {
      redirect: 'manual',
      headers: { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36' },
    });
    show('click redirected to', res.headers.get('location') ?? `(status ${res.status})`);
  } else {
    say('no tracked link in the email to click: the starter template links to SENDER_BOOKING_URL or SENDER_WEBSITE, and neither is set');
  }
  await api('POST', '/api/v1/events', { events: [{ email: an.email, type: 'page_viewed', properties: { url: 'https://example.be/pricing' } }] });
  await sleep(3000);
  const score = await api('GET', `/api/v1/leads/${leads[an.email]}/score`);
  show(`An's engagement score`, score.engagementScore);
  for (const c of score.contributions.slice(0, 5)) show(`  ${c.description}`, `${c.currentPoints} points`);
  show('MQL rule', score.mqlRule.met ? 'met' : `missing: ${score.mqlRule.missing.join('; ')}`);

  say('An asks for a quote: high intent, MQL at once, hand-off to sales with an office-hours SLA');
  await api('POST', '/api/v1/events', { email: an.email, type: 'quote_requested', properties: { page: '/offerte' } });
  const handoff = await until('the hand-off', async () => (await api('GET', `/api/v1/handoffs?limit=50`)).items.find((h: { leadId: string }) => h.leadId === leads[an.email]));
  show('hand-off', { priority: handoff.priority, owner: handoff.ownerId, slaDueAt: handoff.slaDueAt, status: handoff.status });
  const lead = await api('GET', `/api/v1/leads/${leads[an.email]}`);
  show('An is now', lead.stage);

  if (secret) {
    const hooks = await until('signed webhooks', async () => (received.some((r) => r.body.includes('"handoff.created"')) ? received : null));
    for (const h of hooks) {
      const type = JSON.parse(h.body).type;
      show(`webhook ${type}`, `id ${h.headers['webhook-id']}, signature ${verifySignature(secret, h.headers, h.body) ? 'valid' : 'INVALID'}`);
    }
  }

  say(`waiting for the program's 20-second pause: Marc and Eva did not click, so they get the reminder; An reached the goal`);
  await until('reminder emails', async () => ((await mailbox()).filter((m) => people.some((p) => p.email === m.to)).length >= 5 ? true : null), 90_000);
  const stats = await api('GET', `/api/v1/programs/${program.id}/stats`);
  show('program stats', stats);
  say(`done — open ${BASE}/dev/mailbox to read the emails, ${BASE}/docs for the API`);
  receiver.close();
}

main().catch((err) => {
  console.error(`demo failed: ${(err as Error).message}`);
  process.exit(1);
});
