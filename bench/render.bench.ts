/**
 * Email rendering benchmark: MJML compile time per template (once per version), and the per-send path
 * (Handlebars + link rewriting + token signing + text part) on one core for a ~48 KB, 10-section email
 * with ~20 links. Run after a build: `node dist/bench/render.bench.js`.
 */
import { randomUUID } from 'node:crypto';
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { isMain, printFigures, runToExit } from './support/service.js';
import { clickUrlPrefix } from '../src/email/domain/click-url.js';
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
  // Message ids come with the message (from the database), so the bench makes them beforehand, outside the
  // timed renders: randomUUID() refills its entropy pool every 128 calls, a bench-side cost in the tail.
  // Consecutive sends still have different ids, so every send parses its id and signs its MACs afresh.
  const ids = Array.from({ length: 4096 }, () => randomUUID());
  let sent = 0;
  const send = () => {
    const m = ids[sent++ & 4095];
    const data = { ...LEAD, unsubscribeUrl: `${BASE}/u/${codec.sign({ k: 'u', m })}` };
    return renderEmail(cache.get('bench:v1:nl', large!), data, {
      rewriteLink: (_url, l) => `${BASE}/t/c/${codec.sign({ k: 'c', m, l })}`,
      clickUrlPrefix: clickUrlPrefix(BASE, codec, m), // as MessageRenderer renders a send
      openPixelUrl: `${BASE}/t/o/${codec.sign({ k: 'o', m })}`,
    });
  };
  const sample = send();
  results['rendered html (KB)'] = sample.html.length / 1024;
  results['links rewritten per email'] = sample.links.length;
  results['tracked links in the html'] = sample.html.split(`${BASE}/t/c/`).length - 1;

  for (let i = 0; i < 5000; i++) send(); // warm-up: JIT and Handlebars' lazy compile
  results['heap allocated per email (KB)'] = await allocatedPerCall(send) / 1024;

  // Each render is timed on its own (performance.now() allocates nothing); the bench's own work between
  // renders (storing the figure) is outside the render's time but inside the throughput's wall time.
  const latencies = new Float64Array(RENDER_SECONDS * 200_000);
  const gc = watchGc();
  const cpuStarted = process.cpuUsage();
  const started = performance.now();
  const deadline = started + RENDER_SECONDS * 1000;
  let count = 0;
  for (let now = started; now < deadline && count < latencies.length; ) {
    send();
    const after = performance.now();
    latencies[count++] = (after - now) * 1000;
    now = performance.now();
  }
  const elapsed = performance.now() - started;
  const cpu = process.cpuUsage(cpuStarted);
  const gcs = await gc.stop();
  const sorted = latencies.subarray(0, count).sort();
  // CPU time per email is steadier than wall time on a shared machine (it includes GC, not other processes).
  results['render CPU per email (µs)'] = (cpu.user + cpu.system) / count;
  results['renders/s (one core)'] = Math.round(count / (elapsed / 1000));
  results['render p50 (µs)'] = percentile(sorted, 0.5);
  results['render p99 (µs)'] = percentile(sorted, 0.99);
  results['render p99.9 (µs)'] = percentile(sorted, 0.999);
  results['renders over 100 µs (%)'] = (100 * (count - lowerBound(sorted, 100))) / count;
  results['GC pauses during the renders'] = gcs.count;
  results['GC pause, total (ms)'] = gcs.ms;
  results['GC pause, longest (µs)'] = gcs.longest * 1000;

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

function percentile(sorted: ArrayLike<number>, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/** How many of `sorted` are below `value`. */
function lowerBound(sorted: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Garbage-collection pauses from now until `stop()`: how many, their total and the longest (ms). */
function watchGc(): { stop: () => Promise<{ count: number; ms: number; longest: number }> } {
  const seen = { count: 0, ms: 0, longest: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      seen.count++;
      seen.ms += entry.duration;
      seen.longest = Math.max(seen.longest, entry.duration);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    stop: async () => {
      await new Promise((resolve) => setTimeout(resolve, 20)); // entries are delivered after the loop
      observer.disconnect();
      return seen;
    },
  };
}

/**
 * Heap bytes `call` allocates, from the heap's used size before and after batches of calls that no
 * garbage collection interrupted (the median batch).
 */
async function allocatedPerCall(call: () => unknown): Promise<number> {
  const batch = 20;
  const perCall: number[] = [];
  let collections = 0;
  const observer = new PerformanceObserver((list) => (collections += list.getEntries().length));
  observer.observe({ entryTypes: ['gc'] });
  for (let b = 0; b < 300; b++) {
    await new Promise((resolve) => setImmediate(resolve)); // let the observer count any collection so far
    const seen = collections;
    const before = getHeapStatistics().used_heap_size;
    for (let i = 0; i < batch; i++) call();
    const after = getHeapStatistics().used_heap_size;
    await new Promise((resolve) => setImmediate(resolve));
    if (collections === seen && after >= before) perCall.push((after - before) / batch);
  }
  observer.disconnect();
  perCall.sort((a, b) => a - b);
  return perCall.length ? perCall[perCall.length >> 1] : Number.NaN;
}

if (isMain(import.meta.url)) runToExit(runRenderBench, printFigures);
