import { HREF_HELPER, TEXT_HREF_HELPER, decodeEntities, trackComputedLink, trackComputedTextLink, type TrackingState } from './link-tracking.js';
import { currentRenderScope } from './render-scope.js';

/*
 * Tracking blocks (`{{#__href}}…{{/__href}}`, `{{#__textHref}}…{{/__textHref}}`) compiled from their parts for
 * the fast evaluator, once per template version: they give what trackComputedLink and trackComputedTextLink
 * give for the rendered block, with less work per send.
 */

const HTTP_URL = /^https?:\/\//i;

function trackingState(): TrackingState | undefined {
  return currentRenderScope()?.tracking ?? undefined;
}

type Part = string | ((context: unknown) => unknown);

/**
 * {@link trackComputedLink} for a `{{#__href}}` block whose parts (static text and HTML-escaped values) are
 * known, built once per template version: the static text is decoded, trimmed and checked for http(s)
 * here, so a send joins the decoded parts instead of decoding and trimming the whole URL again. That gives
 * the same URL whenever no entity can span two parts: each static part closes every `&` it holds with a
 * later `;`, and a value holds no `&` (checked per send; otherwise, or for a value that is not a string,
 * the block goes the general way). The block renders as it always did (the parts joined with `+`).
 */
export function compileComputedLink(parts: readonly Part[]): ((context: unknown) => unknown) | null {
  const n = parts.length;
  if (n === 0 || !parts.some((p) => typeof p !== 'string')) return null;
  const raws: (string | null)[] = [];
  const evaluators: (((context: unknown) => unknown) | null)[] = [];
  const decoded: (string | null)[] = [];
  for (const part of parts) {
    if (typeof part === 'string') {
      const amp = part.lastIndexOf('&');
      if (amp !== -1 && part.indexOf(';', amp) === -1) return null; // an entity could end in the next part
      raws.push(part);
      evaluators.push(null);
      decoded.push(decodeEntities(part));
    } else {
      raws.push(null);
      evaluators.push(part);
      decoded.push(null);
    }
  }
  const first = decoded[0];
  const last = decoded[n - 1];
  const leadFixed = first !== null && first.trim() !== '';
  const trailFixed = last !== null && last.trim() !== '';
  if (leadFixed) decoded[0] = first.trimStart();
  if (trailFixed) decoded[n - 1] = decoded[n - 1]!.trimEnd();
  const trimPerSend = !(leadFixed && trailFixed);
  const httpKnown = leadFixed && HTTP_URL.test(decoded[0]!);
  const values = new Array<unknown>(n); // this block's values during one evaluation (it never runs inside itself)
  return (context) => {
    let url = urlOfParts(decoded, evaluators, values, context, true);
    // The block as rendered (the parts joined with `+`) is only built when it is what the block gives.
    if (url === null) return trackComputedLink(joinParts(raws, values));
    const state = trackingState();
    if (!state) return joinParts(raws, values);
    if (trimPerSend) url = url.trim();
    const tracked = httpKnown ? state.trackHttpEscaped(url) : state.trackEscaped(url);
    return tracked === null ? joinParts(raws, values) : (clearValues(values), tracked);
  };
}

/**
 * {@link trackComputedTextLink} for a `{{#__textHref}}` block whose parts are known, built once per template
 * version: when both ends of the block are static text that is not blank, the rendered link needs no trimming
 * (only those parts' ends are), so a send joins the parts as they are. The block renders as it always did.
 */
export function compileComputedTextLink(parts: readonly Part[]): ((context: unknown) => unknown) | null {
  const n = parts.length;
  if (n === 0 || !parts.some((p) => typeof p !== 'string')) return null;
  const raws = parts.map((p) => (typeof p === 'string' ? p : null));
  const evaluators = parts.map((p) => (typeof p === 'string' ? null : p));
  const first = raws[0];
  const last = raws[n - 1];
  const trimmed = raws.slice();
  const ends = first !== null && first.trim() !== '' && last !== null && last.trim() !== '';
  if (ends) {
    trimmed[0] = first.trimStart();
    trimmed[n - 1] = trimmed[n - 1]!.trimEnd();
  }
  const values = new Array<unknown>(n);
  return (context) => {
    const url = urlOfParts(trimmed, evaluators, values, context, false);
    if (url === null) return trackComputedTextLink(joinParts(raws, values));
    const state = trackingState();
    if (!state) return joinParts(raws, values);
    const tracked = state.trackAgain(ends ? url : url.trim());
    return tracked ?? joinParts(raws, values);
  };
}

/**
 * The URL a block's parts give for one send: the fixed text of static parts and the values of the others
 * (kept in `values` for {@link joinParts}). Null when a value is not a string (`+` may add numbers up) or,
 * with `noAmpersand`, holds a `&` (an entity that decoding would have to see whole): the block then goes
 * the general way.
 */
function urlOfParts(
  fixed: readonly (string | null)[],
  evaluators: readonly (((context: unknown) => unknown) | null)[],
  values: unknown[],
  context: unknown,
  noAmpersand: boolean,
): string | null {
  let url = '';
  let plain = true;
  for (let i = 0; i < fixed.length; i++) {
    const evaluate = evaluators[i];
    if (evaluate === null) {
      url += fixed[i]!;
    } else {
      const value = (values[i] = evaluate(context));
      if (typeof value === 'string' && !(noAmpersand && value.indexOf('&') !== -1)) url += value;
      else plain = false; // the loop still runs on, so every value is there for joinParts
    }
  }
  return plain ? url : null;
}

/** The parts of a block joined with `+` as Handlebars does (static text, else the value); forgets the values. */
function joinParts(raws: readonly (string | null)[], values: unknown[]): any {
  let out: any;
  for (let i = 0; i < raws.length; i++) {
    const s = raws[i];
    const value = s !== null ? s : values[i];
    values[i] = undefined;
    out = i === 0 ? value : out + value;
  }
  return out;
}

function clearValues(values: unknown[]): void {
  for (let i = 0; i < values.length; i++) values[i] = undefined;
}

/**
 * Compilers of tracking blocks from their parts, for the fast evaluator: `{{#__href}}` in the HTML part (values
 * escaped), `{{#__textHref}}` in the text part.
 */
export const TRACKING_BLOCK_COMPILERS: ReadonlyMap<string, (parts: readonly Part[]) => ((context: unknown) => unknown) | null> = new Map([
  [HREF_HELPER, compileComputedLink],
  [TEXT_HREF_HELPER, compileComputedTextLink],
]);
