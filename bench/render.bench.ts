/**
 * Email rendering benchmark: MJML compile time per template (once per version), and the per-send path
 * (Handlebars + link rewriting + token signing + text part) on one core for a ~48 KB, 10-section email
 * with ~20 links. Run after a build: `node dist/bench/render.bench.js`.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { compileTemplate, type CompiledTemplate } from '../src/email/domain/template-compiler.js';
import { RenderCache } from '../src/email/domain/render-cache.js';
import { renderEmail } from '../src/email/domain/renderer.js';
import { loadTemplateLibrary } from '../src/email/domain/template-loader.js';
import { htmlToPlainText } from '../src/email/domain/text-template.js';
import { TrackingTokenCodec } from '../src/tracking/domain/tracking-token.js';

const BASE = 'https://track.example.be';
const SECTIONS = 10;
const RENDER_SECONDS = 2;

/** Runs the benchmark and returns its figures (times in ms or µs, rates per second). */
export async function runRenderBench(): Promise<Record<string, number>> {
  const library = await loadTemplateLibrary();
  const results: Record<string, number> = {};

  const starterTimes: number[] = [];
  for (const starter of Object.values(library.starters)) {
    for (const [locale, variant] of Object.entries(starter.variants)) {
      const started = performance.now();
      await compileTemplate(variant, { layout: library.layouts[locale], partials: library.partials });
      starterTimes.push(performance.now() - started);
    }
  }
  const warm = starterTimes.slice(1); // the first compile also loads and warms up MJML
  results['mjml compile, starter (ms, mean)'] = mean(warm);
  results['mjml compile, starter (ms, max)'] = Math.max(...warm);

  const largeTimes: number[] = [];
  let large: CompiledTemplate | undefined;
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    large = await compileTemplate(largeVariant(), { layout: library.layouts.nl, partials: library.partials });
    largeTimes.push(performance.now() - started);
  }
  results['mjml compile, 10 sections (ms, mean)'] = mean(largeTimes);
  results['compiled html (KB)'] = large!.html.length / 1024;

  const codec = new TrackingTokenCodec('bench-secret-0123456789abcdef');
  const cache = new RenderCache();
  const send = () => {
    const m = randomUUID();
    const data = { ...LEAD, unsubscribeUrl: `${BASE}/u/${codec.sign({ k: 'u', m })}` };
    return renderEmail(cache.get('bench:v1:nl', large!), data, {
      rewriteLink: (_url, l) => `${BASE}/t/c/${codec.sign({ k: 'c', m, l })}`,
      openPixelUrl: `${BASE}/t/o/${codec.sign({ k: 'o', m })}`,
    });
  };
  const sample = send();
  results['rendered html (KB)'] = sample.html.length / 1024;
  results['links rewritten per email'] = sample.links.length;
  results['tracked links in the html'] = sample.html.split(`${BASE}/t/c/`).length - 1;

  for (let i = 0; i < 3000; i++) send(); // warm-up: JIT and Handlebars' lazy compile
  const latencies: number[] = [];
  const cpuStarted = process.cpuUsage();
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(RENDER_SECONDS * 1e9);
  let now = started;
  while (now < deadline) {
    send();
    const after = process.hrtime.bigint();
    latencies.push(Number(after - now) / 1000);
    now = after;
  }
  const cpu = process.cpuUsage(cpuStarted);
  latencies.sort((a, b) => a - b);
  // CPU time per email is steadier than wall time on a shared machine (it includes GC, not other processes).
  results['render CPU per email (µs)'] = (cpu.user + cpu.system) / latencies.length;
  results['renders/s (one core)'] = Math.round(latencies.length / (Number(now - started) / 1e9));
  results['render p50 (µs)'] = percentile(latencies, 0.5);
  results['render p99 (µs)'] = percentile(latencies, 0.99);

  // Every link of one message shares one MAC: a click token after the first costs a concatenation. The
  // MAC itself is paid three times per email (open, unsubscribe, the clicks' shared one).
  const signs = 200_000;
  const m = randomUUID();
  const signStarted = process.hrtime.bigint();
  for (let l = 0; l < signs; l++) codec.sign({ k: 'c', m, l: l & 0xff });
  results['token sign, per link (µs)'] = Number(process.hrtime.bigint() - signStarted) / 1000 / signs;
  const messages = Array.from({ length: 1000 }, () => randomUUID());
  const macStarted = process.hrtime.bigint();
  for (let i = 0; i < signs; i++) codec.sign({ k: 'o', m: messages[i % messages.length] });
  results['token sign, one MAC (µs)'] = Number(process.hrtime.bigint() - macStarted) / 1000 / signs;

  const textRuns = 200;
  const textStarted = performance.now();
  for (let i = 0; i < textRuns; i++) htmlToPlainText(sample.html);
  results['html-to-text per send, not used (µs)'] = ((performance.now() - textStarted) * 1000) / textRuns;
  return results;
}

const LEAD = {
  firstName: 'Annelies',
  lastName: 'Peeters',
  email: 'annelies@bakkerij-peeters.be',
  company: 'Bakkerij Peeters & Zonen',
  jobTitle: 'Zaakvoerder',
  locale: 'nl-BE',
  timezone: 'Europe/Brussels',
  stage: 'lead',
  attributes: { industry: 'food', employees: 12, webinarAt: '2026-03-10T14:00:00Z' },
  qualification: { need: 'nieuwe website', timeline: 'dit jaar' },
  source: { channel: 'google_ads', campaign: 'gids-q1' },
  sender: {
    name: 'Studio Noord',
    address: 'Kerkstraat 1, 2000 Antwerpen',
    website: 'https://studio-noord.example.be',
    bookingUrl: 'https://studio-noord.example.be/afspraak',
  },
};

/** Ten sections of realistic copy, each with a personalised heading, a link, a mailto: and a button: 20 tracked links. */
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
      {{#ifStage "mql" "sql"}}<p>Je accountmanager neemt binnenkort contact op.</p>{{/ifStage}}
    </mj-text>
    <mj-button href="{{sender.bookingUrl}}?step=${i + 1}">Plan stap ${i + 1}</mj-button>
  </mj-column>
</mj-section>`).join('\n');
  return { subject: 'Tien stappen naar een betere website, {{fallback firstName "welkom"}}', mjml: sections };
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function printTable(results: Record<string, number>): void {
  const width = Math.max(...Object.keys(results).map((k) => k.length));
  for (const [name, value] of Object.entries(results)) {
    const shown = Number.isInteger(value) ? value.toLocaleString('en') : value.toFixed(value < 10 ? 2 : 1);
    console.log(`${name.padEnd(width)}  ${shown.padStart(10)}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printTable(await runRenderBench());
}

