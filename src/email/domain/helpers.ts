import Handlebars from 'handlebars';
import { DateTime } from 'luxon';
import { currentRenderScope } from './render-scope.js';

/** An isolated Handlebars environment; helpers registered on it never leak into the global one. */
export type TemplateEngine = typeof Handlebars;
type HelperOptions = Handlebars.HelperOptions;

/** Used when the lead has no locale or time zone. The send service passes the configured defaults in the data. */
export const FALLBACK_LOCALE = 'nl';
export const FALLBACK_TIME_ZONE = 'Europe/Brussels';

/**
 * Block helper that gives an expanded partial its own scope: the surrounding context plus the partial's
 * hash arguments (what `{{> button url=… label=…}}` means in Handlebars). Internal: the compiler
 * writes it when it inlines partials into the MJML.
 */
export const PARTIAL_SCOPE_HELPER = '__partial';

const DATE_PRESETS: Record<string, Intl.DateTimeFormatOptions> = {
  short: DateTime.DATE_SHORT,
  medium: DateTime.DATE_MED,
  long: DateTime.DATE_FULL,
  weekday: DateTime.DATE_HUGE,
  time: DateTime.TIME_SIMPLE,
  datetime: DateTime.DATETIME_MED,
};

/**
 * The helpers marketers use in templates:
 * - `{{fallback firstName "daar"}}` — the first value that is not empty (any number of candidates).
 * - `{{formatDate attributes.webinarAt "long"}}` — a date in the lead's locale and time zone; a preset
 *   (short, medium, long, weekday, time, datetime) or luxon tokens; `zone=` / `locale=` override.
 * - `{{#ifStage "lead" "mql"}}…{{else}}…{{/ifStage}}` — by the lead's lifecycle stage.
 * - `{{#ifEq intent "high"}}…{{/ifEq}}`, `{{#ifIn attributes.industry "food" "retail"}}…{{/ifIn}}`.
 * - `{{upper company}}`, `{{lower email}}`.
 * Conditionals also work inline as sub-expressions: `{{#if (ifEq a b)}}`.
 */
export const TEMPLATE_HELPERS = ['fallback', 'formatDate', 'ifStage', 'ifEq', 'ifIn', 'upper', 'lower'] as const;

/**
 * How many positional arguments each helper takes, and how it is written: a call with too few or too many
 * is refused when the template is saved, naming its line (at send time it would fail or mean nothing).
 */
export const HELPER_ARITY: Readonly<Record<string, { min: number; max: number; usage: string }>> = {
  fallback: { min: 1, max: Infinity, usage: '{{fallback firstName "daar"}}' },
  formatDate: { min: 1, max: 2, usage: '{{formatDate attributes.webinarAt "long"}}' },
  ifStage: { min: 1, max: Infinity, usage: '{{#ifStage "lead" "mql"}}…{{/ifStage}}' },
  ifEq: { min: 2, max: 2, usage: '{{#ifEq intent "high"}}…{{/ifEq}}' },
  ifIn: { min: 2, max: Infinity, usage: '{{#ifIn attributes.industry "food" "retail"}}…{{/ifIn}}' },
  upper: { min: 1, max: 1, usage: '{{upper company}}' },
  lower: { min: 1, max: 1, usage: '{{lower email}}' },
  if: { min: 1, max: 1, usage: '{{#if firstName}}…{{/if}}' },
  unless: { min: 1, max: 1, usage: '{{#unless firstName}}…{{/unless}}' },
  each: { min: 1, max: 1, usage: '{{#each attributes.products}}…{{/each}}' },
  with: { min: 1, max: 1, usage: '{{#with attributes}}…{{/with}}' },
  lookup: { min: 2, max: 2, usage: '{{lookup attributes "industry"}}' },
};

/** Handlebars' own helpers, which templates may use too. */
export const BUILTIN_HELPERS = ['if', 'unless', 'each', 'with', 'lookup', 'log'] as const;

/** A fresh Handlebars environment with the template helpers registered. */
export function createTemplateEngine(): TemplateEngine {
  const hb = Handlebars.create();
  hb.registerHelper({
    fallback(...args: unknown[]) {
      // The last argument is Handlebars' options. Runs for most sends' every greeting: no copies.
      for (let i = 0; i < args.length - 1; i++) if (isPresent(args[i])) return args[i];
      return '';
    },
    formatDate(value: unknown, ...rest: unknown[]) {
      const options = rest.pop() as HelperOptions;
      const format = typeof rest[0] === 'string' ? rest[0] : 'long';
      const root = rootOf(options);
      return formatDate(value, format, {
        locale: stringOr(options.hash.locale, stringOr(root.locale, FALLBACK_LOCALE)),
        zone: stringOr(options.hash.zone, stringOr(root.timezone, FALLBACK_TIME_ZONE)),
      });
    },
    ifStage(this: unknown) {
      // `arguments`, not a rest parameter: every send runs it for every section, without an array.
      const last = arguments.length - 1;
      const options = arguments[last] as HelperOptions;
      const stage = rootOf(options).stage;
      let found = false;
      for (let i = 0; i < last && !found; i++) found = sameValueZero(arguments[i], stage); // as `includes` compares
      return choose(this, options, found);
    },
    ifEq(this: unknown, a: unknown, b: unknown, options: HelperOptions) {
      return choose(this, options, a !== undefined && a !== null && b !== undefined && b !== null && String(a) === String(b));
    },
    ifIn(this: unknown, value: unknown, ...args: unknown[]) {
      const options = args.pop() as HelperOptions;
      const allowed = args.flat().map(String);
      const values = (Array.isArray(value) ? value : [value]).filter(isPresent).map(String);
      return choose(this, options, values.some((v) => allowed.includes(v)));
    },
    upper(value: unknown, options: HelperOptions) {
      return isPresent(value) ? String(value).toLocaleUpperCase(localeOf(options)) : '';
    },
    lower(value: unknown, options: HelperOptions) {
      return isPresent(value) ? String(value).toLocaleLowerCase(localeOf(options)) : '';
    },
    [PARTIAL_SCOPE_HELPER](this: unknown, ...args: unknown[]) {
      const options = args.pop() as HelperOptions;
      const base = args.length > 0 ? args[0] : this;
      return options.fn({ ...(base as object), ...options.hash });
    },
  });
  return hb;
}

/** Formats a date (ISO string, Date, epoch milliseconds) in a locale and time zone; '' when it is not a date. */
export function formatDate(value: unknown, format: string, at: { locale: string; zone: string }): string {
  const zone = DateTime.now().setZone(at.zone).isValid ? at.zone : FALLBACK_TIME_ZONE;
  const date = toDateTime(value, zone);
  if (!date) return '';
  const inZone = date.setZone(zone);
  const preset = DATE_PRESETS[format];
  const show = (locale: string) => {
    const local = inZone.setLocale(locale);
    return preset ? local.toLocaleString(preset) : local.toFormat(format);
  };
  try {
    return show(at.locale);
  } catch {
    return show(FALLBACK_LOCALE); // an unusable locale tag from lead data must not break the email
  }
}

/**
 * A moment from a value. An ISO text without an offset is a wall-clock time (or, date-only, a calendar day)
 * in `zone`, the lead's: "2026-12-01" is 1 December wherever the lead or the server is. With an offset it is
 * that instant. Never the server's own zone.
 */
function toDateTime(value: unknown, zone: string): DateTime | null {
  let date: DateTime | null = null;
  if (value instanceof Date) date = DateTime.fromJSDate(value, { zone });
  else if (typeof value === 'number') date = DateTime.fromMillis(value, { zone });
  else if (typeof value === 'string' && value.trim() !== '') date = DateTime.fromISO(value.trim(), { zone });
  else if (DateTime.isDateTime(value)) date = value;
  return date?.isValid ? date : null;
}

/** Block form renders the matching branch; inline form (a sub-expression) answers the boolean. */
function choose(context: unknown, options: HelperOptions, condition: boolean): unknown {
  if (typeof options.fn !== 'function') return condition;
  return condition ? options.fn(context) : options.inverse(context);
}

function sameValueZero(a: unknown, b: unknown): boolean {
  return a === b || (a !== a && b !== b);
}

function isPresent(value: unknown): boolean {
  if (value === undefined || value === null || value === false) return false;
  if (typeof value === 'string') return value.trim() !== '';
  if (typeof value === 'number') return !Number.isNaN(value);
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

/** The data being rendered: from Handlebars' `@root`, or from the render scope when sends run without `@data`. */
function rootOf(options: HelperOptions): Record<string, unknown> {
  const root = (options.data as { root?: unknown } | undefined)?.root ?? currentRenderScope()?.root;
  return root && typeof root === 'object' ? (root as Record<string, unknown>) : {};
}

function localeOf(options: HelperOptions): string {
  const locale = stringOr(rootOf(options).locale, FALLBACK_LOCALE);
  try {
    return Intl.getCanonicalLocales(locale)[0] ?? FALLBACK_LOCALE;
  } catch {
    return FALLBACK_LOCALE;
  }
}

function stringOr(value: unknown, otherwise: string): string {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : otherwise;
}
