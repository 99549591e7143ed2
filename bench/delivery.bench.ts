/**
 * Email delivery benchmark. Run after a build: `node dist/bench/delivery.bench.js`.
 *
 * - Once per template version vs per send, on one core: the MJML compile and Handlebars preparation that
 *   happen once; the render, the MIME build (text quoted-printable, HTML 7-bit) and the DKIM signature that happen for
 *   every email; and, for comparison, the same message built by nodemailer's composer.
 * - End to end: emails/s from the delivery queue to "250 accepted" at a local smtp-server sink (a child
 *   process), each message with its PostgreSQL row (read, claim with links, sent), for a ~48 KB template,
 *   with and without DKIM; beside pooled nodemailer alone (no queue, no database, the service's pool size)
 *   sending the same email to the same sink in the same run, in two ways: given the email's fields as its users
 *   send it (nodemailer builds each message), and, stricter, given the prebuilt message (`raw`; nodemailer only
 *   speaks SMTP). CPU time per email of this (worker) process is reported too: on a shared machine it moves
 *   less than the wall-clock rates.
 * - Rate limit: two worker contexts sharing EMAIL_RATE_PER_SECOND through Redis; the most emails the sink
 *   accepted in any 10 s window against the configured cap.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { INestApplicationContext } from '@nestjs/common';
import { Redis } from 'ioredis';
import { createTransport, type SendMailOptions } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import { SMTPServer } from 'smtp-server';
import { DataSource } from 'typeorm';
import { createWorkerApp } from '../src/app.factory.js';
import { createRootLogger } from '../src/common/logger.js';
import { loadConfig } from '../src/config/app-config.js';
import { RenderCache } from '../src/email/domain/render-cache.js';
import type { CompiledTemplate } from '../src/email/domain/template-compiler.js';
import { renderEmail } from '../src/email/domain/renderer.js';
import { EmailService } from '../src/email/email.service.js';
import { DkimSigner } from '../src/email/mime/dkim-signer.js';
import { formatAddress } from '../src/email/mime/mime-headers.js';
import { composeMessage, serializeMessage, type MessageParts } from '../src/email/mime/mime-message.js';
import { TemplateCompilePool } from '../src/email/template-compile-pool.js';
import { TemplateCompilerService } from '../src/email/template-compiler.service.js';
import { runMigrations } from '../src/infra/database/data-source.js';
import { TrackingTokenCodec } from '../src/tracking/domain/tracking-token.js';
import { clearRedisPrefixes, dropDatabase, freshDatabase, isMain, printFigures, runToExit } from './support/service.js';
import { cpuSeconds } from './support/proc.js';

const SECTIONS = 10;
const BASE = 'https://track.studio-noord.example.be';

export interface DeliveryBenchOptions {
  /** Messages per end-to-end run (and for the raw nodemailer baseline). */
  messages: number;
  /** The configured cap for the rate-limit run, and how long that run lasts. */
  rateCap: number;
  rateSeconds: number;
}

export async function runDeliveryBench(
  opts: DeliveryBenchOptions = {
    messages: Number(process.env.DELIVERY_BENCH_MESSAGES ?? 3000),
    rateCap: 50,
    rateSeconds: Number(process.env.DELIVERY_BENCH_RATE_SECONDS ?? 30),
  },
): Promise<Record<string, number>> {
  const results: Record<string, number> = {};
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const sink = await Sink.start();
  const prefixes: string[] = [];
  const dbUrl = await freshDatabase('nurture_bench_delivery');
  await runMigrations(dbUrl);
  try {
    const baseEnv = { DATABASE_URL: dbUrl, SMTP_URL: sink.url, RUN_MIGRATIONS: 'false', LOG_LEVEL: 'error', PROCESS_ROLE: 'worker', DB_POOL_SIZE: '10' };
    const template = await compileLargeTemplate(baseEnv);
    results['once per version: MJML compile + text template (ms)'] = Math.round(template.compileMs);
    Object.assign(results, await perSendCosts(template.compiled, privateKey));

    // Nodemailer alone, two ways, to the same sink, no queue and no database:
    // - as its users send: the rendered email's fields (html, text, headers), nodemailer building each message;
    // - stricter: prebuilt messages of the same size (`raw`), so nodemailer only speaks SMTP.
    const { fields, raw } = sampleEmail(template.compiled);
    results['message size (KB)'] = raw.length / 1024;
    const maxConnections = loadConfig(baseEnv).email.smtpMaxConnections; // the pool the service's transport opens
    const baseline = async (label: string, mail: () => SendMailOptions): Promise<number> => {
      sink.reset();
      const sinkBefore = await sink.cpu();
      const transport = createTransport({ url: sink.url, pool: true, maxConnections, maxMessages: 1000 });
      const cpuBefore = process.cpuUsage();
      const t0 = performance.now();
      await Promise.all(Array.from({ length: opts.messages }, () => transport.sendMail(mail())));
      const rate = opts.messages / ((performance.now() - t0) / 1000);
      results[`${label}: CPU per email (µs)`] = cpuPerEmail(cpuBefore, opts.messages);
      results[`${label}: CPU per email, SMTP sink (µs)`] = Math.round(((await sink.cpu()) - sinkBefore) / opts.messages);
      transport.close();
      results[`${label} (emails/s)`] = Math.round(rate);
      return rate;
    };
    const composingRate = await baseline('pooled nodemailer building each message', () => ({ ...fields, messageId: `<${randomUUID()}@studio-noord.example.be>` }));
    const rawRate = await baseline('raw pooled nodemailer, prebuilt messages', () => ({ envelope: { from: 'tips@studio-noord.example.be', to: ['an@example.be'] }, raw }));

    const runs = [
      ['end to end', {}],
      ['end to end, DKIM-signed', { DKIM_DOMAIN: 'studio-noord.example.be', DKIM_SELECTOR: 'bench', DKIM_PRIVATE_KEY: privateKey }],
    ] as const;
    // DELIVERY_BENCH_DKIM=0 skips the signed run while iterating.
    for (const [label, env] of process.env.DELIVERY_BENCH_DKIM === '0' ? runs.slice(0, 1) : runs) {
      const prefix = `benchd${Date.now()}`;
      prefixes.push(prefix);
      const app = await startWorker({ ...baseEnv, ...env, QUEUE_PREFIX: prefix, EMAIL_RATE_PER_SECOND: '0', EMAIL_CONCURRENCY: process.env.DELIVERY_BENCH_CONCURRENCY ?? '20' });
      try {
        const ids = await enqueue(app, template.id, opts.messages, label);
        sink.reset();
        const sinkCpu = await sink.cpu();
        const pgCpu = await postgresCpuUs(app);
        const redisCpu = await redisCpuUs();
        const cpu = process.cpuUsage();
        const started = performance.now();
        mark(`${label}: start`);
        await app.get(EmailService).dispatch(ids);
        await waitFor(async () => (await sink.count()) >= opts.messages, 300_000);
        const accepted = performance.now();
        mark(`${label}: all accepted`);
        results[`${label}: CPU per email, worker process (µs)`] = cpuPerEmail(cpu, opts.messages);
        results[`${label}: CPU per email, SMTP sink (µs)`] = Math.round(((await sink.cpu()) - sinkCpu) / opts.messages);
        results[`${label}: CPU per email, PostgreSQL backends of the worker (µs)`] = Math.round(((await postgresCpuUs(app)) - pgCpu) / opts.messages);
        results[`${label}: CPU per email, Redis server (µs, shared with anything else using it)`] = Math.round(((await redisCpuUs()) - redisCpu) / opts.messages);
        await waitFor(async () => (await sentCount(app, ids)) === ids.length, 60_000);
        results[`${label} (emails/s)`] = Math.round(opts.messages / ((accepted - started) / 1000));
        results[`${label} vs nodemailer building each message (%)`] = Math.round((100 * results[`${label} (emails/s)`]) / composingRate);
        results[`${label} vs raw nodemailer, prebuilt messages (%)`] = Math.round((100 * results[`${label} (emails/s)`]) / rawRate);
      } finally {
        await app.close();
      }
    }

    // Rate limit shared by two workers through Redis (DELIVERY_BENCH_RATE_SECONDS=0 skips it).
    if (opts.rateSeconds <= 0) return results;
    const prefix = `benchr${Date.now()}`;
    prefixes.push(prefix);
    const rateEnv = { ...baseEnv, QUEUE_PREFIX: prefix, EMAIL_RATE_PER_SECOND: String(opts.rateCap), EMAIL_CONCURRENCY: '20' };
    const workers = [await startWorker(rateEnv), await startWorker(rateEnv)];
    try {
      const count = opts.rateCap * opts.rateSeconds;
      const ids = await enqueue(workers[0], template.id, count, 'rate');
      sink.reset();
      await workers[0].get(EmailService).dispatch(ids);
      await waitFor(async () => (await sink.count()) >= count, (opts.rateSeconds + 60) * 1000);
      const times = (await sink.times()).sort((a, b) => a - b);
      const windowMax = maxInWindow(times, 10_000);
      results['rate cap (emails/s)'] = opts.rateCap;
      results['rate: most in any 10 s window (emails/s)'] = windowMax / 10;
      results['rate: deviation from cap (%)'] = Math.round((1000 * (windowMax / 10 - opts.rateCap)) / opts.rateCap) / 10;
      results['rate: whole run (emails/s)'] = Math.round((10 * (times.length - 1)) / ((times[times.length - 1] - times[0]) / 1000)) / 10;
    } finally {
      for (const w of workers) await w.close();
    }
  } finally {
    await sink.stop();
    await clearRedisPrefixes(prefixes);
    await dropDatabase('nurture_bench_delivery');
  }
  return results;
}

/** With DELIVERY_BENCH_MARKS=1, prints the process uptime at a phase boundary (to cut a --cpu-prof profile). */
function mark(what: string): void {
  if (process.env.DELIVERY_BENCH_MARKS === '1') console.log(`[mark] ${process.uptime().toFixed(3)} s ${what}`);
}

/** CPU time (user + system) of this process since `since`, per email. */
function cpuPerEmail(since: NodeJS.CpuUsage, emails: number): number {
  const used = process.cpuUsage(since);
  return Math.round((used.user + used.system) / emails);
}

/** CPU time (µs) the PostgreSQL backends serving this worker's database have used so far (from /proc; 0 where unreadable). */
async function postgresCpuUs(app: INestApplicationContext): Promise<number> {
  const rows: { pid: number }[] = await app.get(DataSource).query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`);
  return rows.reduce((sum, { pid }) => sum + cpuSeconds(pid), 0) * 1_000_000;
}

/** CPU time (µs) of the Redis server so far, as it reports it (INFO cpu). */
async function redisCpuUs(): Promise<number> {
  const redis = new Redis(loadConfig({}).redisUrl);
  try {
    const info = await redis.info('cpu');
    const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
    return (field('used_cpu_sys') + field('used_cpu_user')) * 1_000_000;
  } finally {
    redis.disconnect();
  }
}

/**
 * Per-send cost of each step, on this core. The MJML compile, the text template and the Handlebars
 * functions are built once per template version; the header block's constant parts once per process.
 * Per send remain: Handlebars with link tracking, the MIME bodies (text quoted-printable, HTML 7-bit with
 * numeric character references), and the DKIM signature.
 */
async function perSendCosts(compiled: CompiledTemplate, privateKey: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const codec = new TrackingTokenCodec('bench-secret-0123456789abcdef0123456789');
  const cache = new RenderCache();
  const render = () => {
    const m = randomUUID();
    const email = renderEmail(cache.get('bench:v1:nl', compiled), { ...LEAD, unsubscribeUrl: `${BASE}/u/${codec.sign({ k: 'u', m })}` }, {
      rewriteLink: (_url, l) => `${BASE}/t/c/${codec.sign({ k: 'c', m, l })}`,
      openPixelUrl: `${BASE}/t/o/${codec.sign({ k: 'o', m })}`,
    });
    return { m, email };
  };
  // Once per version and process: Handlebars compiles the prepared template on its first render.
  let started = performance.now();
  const { m, email } = render();
  out['once per version: prepare Handlebars, first render (ms)'] = Math.round((performance.now() - started) * 10) / 10;
  started = performance.now();
  render();
  out['per send: a warm render, for comparison (ms)'] = Math.round((performance.now() - started) * 100) / 100;
  out['rendered html (KB)'] = email.html.length / 1024;
  const parts = messageParts(m, email);
  const signer = new DkimSigner({ domain: 'studio-noord.example.be', selector: 'bench', privateKey });
  const composed = composeMessage(parts);

  out['per send: render with tracking (µs)'] = await timeUs(async () => render());
  out['per send: MIME build, this service (µs)'] = await timeUs(async () => serializeMessage(composeMessage(parts)));
  out['per send: DKIM signature (µs)'] = await timeUs(() => signer.sign(composed.headers, composed.body), 500);
  out['per send: MIME build, nodemailer composer (µs)'] = await timeUs(
    () =>
      new MailComposer(nodemailerFields(parts)).compile().build(),
    500,
  );
  return out;
}

async function timeUs(fn: () => Promise<unknown>, runs = 2000): Promise<number> {
  for (let i = 0; i < Math.min(200, runs); i++) await fn();
  const started = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) await fn();
  return Math.round(Number(process.hrtime.bigint() - started) / 1000 / runs);
}

function messageParts(m: string, email: { subject: string; text: string; html: string }): MessageParts {
  return {
    messageId: `${m}@studio-noord.example.be`,
    date: new Date(),
    from: formatAddress('Studio Noord', 'tips@studio-noord.example.be'),
    to: 'annelies@bakkerij-peeters.example.be',
    subject: email.subject,
    listUnsubscribe: { url: `${BASE}/u/EBA_HCp7TU4hmg9cbX6PmgsB.AAAAAAAAAAAAAAAAAAAAAA`, mailto: 'mailto:unsubscribe@studio-noord.example.be' },
    text: email.text,
    html: email.html,
    sevenBitHtml: true, // as the service builds them
  };
}

// --- the template, leads and messages -------------------------------------------------------------

const LEAD = {
  firstName: 'Annelies',
  lastName: 'Peeters',
  email: 'annelies@bakkerij-peeters.example.be',
  company: 'Bakkerij Peeters & Zonen',
  locale: 'nl-BE',
  timezone: 'Europe/Brussels',
  stage: 'lead',
  attributes: { industry: 'food', employees: 12 },
  sender: { name: 'Studio Noord', address: 'Kerkstraat 1, 2000 Antwerpen', bookingUrl: 'https://studio-noord.example.be/afspraak' },
};

/** Ten sections of realistic copy with a personalised heading, a tracked link, a mailto: and a button each (~48 KB). */
function largeVariant(): { subject: string; mjml: string } {
  const paragraph =
    'Een goede website begint niet bij het ontwerp, maar bij de vragen die je klanten stellen voor ze iets kopen. ' +
    'We zetten die vragen op een rij, kijken welke pagina’s er al een antwoord op geven en waar het ontbreekt. ' +
    'Zo weet je precies wat er eerst moet gebeuren. ';
  const sections = Array.from({ length: SECTIONS }, (_, i) => `
<mj-section>
  <mj-column>
    <mj-text>
      <h2>Stap ${i + 1} voor {{fallback company "je bedrijf"}}</h2>
      <p>{{#if firstName}}{{firstName}}, {{/if}}${paragraph.repeat(3)}</p>
      <p>Lees <a href="https://studio-noord.example.be/blog/{{attributes.industry}}/stap-${i + 1}?utm_source=nurture&amp;utm_medium=email">het artikel over stap ${i + 1}</a>.
      Vragen? Mail <a href="mailto:hallo@studio-noord.example.be">hallo@studio-noord.example.be</a>.</p>
    </mj-text>
    <mj-button href="{{sender.bookingUrl}}?step=${i + 1}">Plan stap ${i + 1}</mj-button>
  </mj-column>
</mj-section>`).join('\n');
  return { subject: 'Tien stappen naar een betere website, {{fallback firstName "welkom"}}', mjml: sections };
}

async function compileLargeTemplate(env: Record<string, string>): Promise<{ id: string; compiled: CompiledTemplate; compileMs: number }> {
  const config = loadConfig(env);
  const pool = TemplateCompilePool.forConfig(config);
  const compiler = new TemplateCompilerService(pool);
  let compiled: CompiledTemplate;
  let compileMs: number;
  try {
    await compiler.compileVariant('nl', largeVariant()); // warm-up: loads the library, and the compiler with MJML in its thread
    const started = performance.now();
    compiled = await compiler.compileVariant('nl', largeVariant());
    compileMs = performance.now() - started;
  } finally {
    await pool.close();
  }
  const ds = await new DataSource({ type: 'postgres', url: env.DATABASE_URL }).initialize();
  try {
    const [t] = await ds.query(`INSERT INTO templates (name, default_locale) VALUES ('Bench, 10 sections', 'nl') RETURNING id`);
    await ds.query(
      `INSERT INTO template_versions (template_id, version, variants, compiled, default_locale, created_by) VALUES ($1, 1, $2, $3, 'nl', 'bench')`,
      [t.id, JSON.stringify({ nl: largeVariant() }), JSON.stringify({ nl: compiled })],
    );
    return { id: t.id as string, compiled, compileMs };
  } finally {
    await ds.destroy();
  }
}

/**
 * One personalised email of the template, rendered with tracked links: as the fields a nodemailer user passes
 * (nodemailer then builds the MIME message: quoted-printable bodies, its own headers), and as the message
 * this service builds from them (`raw`).
 */
function sampleEmail(compiled: CompiledTemplate): { fields: SendMailOptions; raw: Buffer } {
  const m = randomUUID();
  const email = renderEmail(compiled, { ...LEAD, unsubscribeUrl: `${BASE}/u/x` }, { rewriteLink: (_u, l) => `${BASE}/t/c/${m}${l}`, openPixelUrl: `${BASE}/t/o/${m}` });
  const parts = messageParts(m, email);
  return { fields: nodemailerFields(parts), raw: serializeMessage(composeMessage(parts)) };
}

/** The same message as nodemailer's fields: addresses, subject, List-Unsubscribe (URL and mailto) and its one-click header, text and HTML. */
function nodemailerFields(parts: MessageParts): SendMailOptions {
  return {
    from: parts.from,
    to: parts.to,
    subject: parts.subject,
    messageId: `<${parts.messageId}>`,
    date: parts.date,
    list: { unsubscribe: [parts.listUnsubscribe.url, parts.listUnsubscribe.mailto] },
    headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    text: parts.text,
    html: parts.html,
  };
}

async function startWorker(env: Record<string, string>): Promise<INestApplicationContext> {
  const config = loadConfig(env);
  const app = await createWorkerApp(config, createRootLogger(config.logLevel));
  await app.init();
  return app;
}

/** Creates `count` leads and queues one email each (rows only; not yet dispatched). */
async function enqueue(app: INestApplicationContext, templateId: string, count: number, run: string): Promise<string[]> {
  const db = app.get(DataSource);
  const tag = `${run.replace(/\W+/g, '-')}-${Date.now()}`;
  const leads: { id: string }[] = await db.query(
    `INSERT INTO leads (email, email_normalized, first_name, company, locale, attributes, consent_status, consent_basis)
     SELECT e, e, 'Annelies', 'Bakkerij Peeters & Zonen', 'nl-BE', '{"industry":"food"}'::jsonb, 'granted', 'consent'
     FROM (SELECT 'lead' || i || '-' || $2 || '@bench.example.be' AS e FROM generate_series(1, $1) i) x RETURNING id`,
    [count, tag],
  );
  const email = app.get(EmailService);
  const ids: string[] = [];
  await db.transaction(async (m) => {
    for (const lead of leads) ids.push((await email.enqueue(m, { idempotencyKey: `${tag}:${lead.id}`, leadId: lead.id, templateId })).messageId);
  });
  return ids;
}

async function sentCount(app: INestApplicationContext, ids: string[]): Promise<number> {
  const [row] = await app.get(DataSource).query(`SELECT count(*)::int AS n FROM email_messages WHERE id = ANY($1::uuid[]) AND status = 'sent'`, [ids]);
  return row.n;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The most timestamps (ms) in any window of `windowMs`. */
function maxInWindow(sorted: number[], windowMs: number): number {
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end] - sorted[start] >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

// --- the SMTP sink, in a child process so it does not share the worker's core ----------------------

class Sink {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(): Promise<Sink> {
    const child = fork(fileURLToPath(import.meta.url), ['--sink'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
    return new Sink(child, `smtp://127.0.0.1:${port}`);
  }

  private ask<T>(type: string): Promise<T> {
    return new Promise((resolve) => {
      this.child.once('message', (m: T) => resolve(m));
      this.child.send({ type });
    });
  }

  async count(): Promise<number> {
    return (await this.ask<{ count: number }>('count')).count;
  }
  reset(): void {
    this.child.send({ type: 'reset' });
  }
  /** CPU time (µs) the sink process has used. */
  async cpu(): Promise<number> {
    return (await this.ask<{ cpu: number }>('cpu')).cpu;
  }
  async times(): Promise<number[]> {
    return (await this.ask<{ times: number[] }>('times')).times;
  }
  async stop(): Promise<void> {
    this.child.kill('SIGTERM');
  }
}

function runSink(): void {
  let count = 0;
  let times: number[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        count++;
        times.push(performance.timeOrigin + performance.now());
        callback(null, 'Queued');
      });
    },
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.server.address();
    process.send!({ port: typeof address === 'object' && address ? address.port : 0 });
  });
  process.on('message', (m: { type: string }) => {
    if (m.type === 'reset') {
      count = 0;
      times = [];
    } else if (m.type === 'count') process.send!({ count });
    else if (m.type === 'times') process.send!({ times });
    else if (m.type === 'cpu') {
      const used = process.cpuUsage();
      process.send!({ cpu: used.user + used.system });
    }
  });
}

if (process.argv.includes('--sink')) runSink();
else if (isMain(import.meta.url)) runToExit(runDeliveryBench, printFigures);
