import { BUILTIN_HELPERS, PARTIAL_SCOPE_HELPER, TEMPLATE_HELPERS, createTemplateEngine } from './helpers.js';
import { parseHandlebars, pathName } from './handlebars-syntax.js';

/**
 * The data a template is rendered with: the lead's fields plus what the send adds.
 * `sender` comes from configuration (name, postal address, website, bookingUrl, …);
 * `unsubscribeUrl` is the lead's one-click unsubscribe link.
 */
export interface TemplateData {
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  phone?: string | null;
  company?: string | null;
  jobTitle?: string | null;
  locale?: string | null;
  timezone?: string | null;
  stage?: string | null;
  intent?: string | null;
  engagementScore?: number | null;
  fitScore?: number | null;
  attributes?: Record<string, unknown>;
  qualification?: Record<string, unknown>;
  source?: Record<string, unknown>;
  sender?: Record<string, unknown>;
  unsubscribeUrl?: string;
  [other: string]: unknown;
}

/** Variables a template may use; `x.*` allows `x` and anything below it. */
export const KNOWN_VARIABLES: readonly string[] = [
  'firstName', 'lastName', 'email', 'phone', 'company', 'jobTitle', 'locale', 'timezone', 'stage', 'intent',
  'engagementScore', 'fitScore', 'attributes.*', 'qualification.*', 'source.*', 'sender.*', 'unsubscribeUrl',
];

export interface VariableUse {
  name: string;
  /** 1-based line of the first use. */
  line: number;
}

const engine = createTemplateEngine();
const HELPERS = new Set<string>([...TEMPLATE_HELPERS, ...BUILTIN_HELPERS, PARTIAL_SCOPE_HELPER]);
const SCOPE_HELPERS = new Set(['each', 'with', PARTIAL_SCOPE_HELPER]);

/**
 * The data paths a template reads, from its Handlebars syntax tree (`firstName`, `attributes.industry`),
 * sorted. Helper names, `@index`-style data, literals and paths relative to an `{{#each}}` or `{{#with}}`
 * item are not variables; `@root.x` and `../x` that reach the top are. Throws a TemplateError on bad syntax.
 */
export function referencedVariables(source: string): string[] {
  return [...new Set(variableUses(source).map((u) => u.name))].sort();
}

/** The variables a template uses that are not in `known` (see {@link KNOWN_VARIABLES}), with the line of first use. */
export function unknownVariables(source: string, known: readonly string[] = KNOWN_VARIABLES): VariableUse[] {
  const exact = new Set(known.filter((k) => !k.endsWith('.*')));
  const prefixes = known.filter((k) => k.endsWith('.*')).map((k) => k.slice(0, -2));
  const isKnown = (name: string) =>
    exact.has(name) || prefixes.some((p) => name === p || name.startsWith(`${p}.`));
  const seen = new Set<string>();
  return variableUses(source).filter((use) => !isKnown(use.name) && !seen.has(use.name) && seen.add(use.name));
}

/** Every use of a top-level data path, in source order. */
export function variableUses(source: string, field = 'template'): VariableUse[] {
  const uses: VariableUse[] = [];

  const variable = (path: hbs.AST.PathExpression, depth: number) => {
    const line = path.loc?.start.line ?? 1;
    if (path.data) {
      if (path.parts[0] === 'root' && path.parts.length > 1) uses.push({ name: path.parts.slice(1).join('.'), line });
      return;
    }
    if (path.parts.length > 0 && depth - path.depth <= 0) uses.push({ name: path.parts.join('.'), line });
  };
  const expression = (node: hbs.AST.Expression, depth: number) => {
    if (node.type === 'PathExpression') variable(node as hbs.AST.PathExpression, depth);
    else if (node.type === 'SubExpression') {
      const sub = node as hbs.AST.SubExpression;
      arguments_(sub.params, sub.hash, depth);
    }
  };
  const arguments_ = (params: hbs.AST.Expression[], hash: hbs.AST.Hash | undefined, depth: number) => {
    params.forEach((p) => expression(p, depth));
    hash?.pairs.forEach((p) => expression(p.value, depth));
  };
  /** Walks a mustache or block head; answers whether its block body gets a new context. */
  const head = (path: hbs.AST.Expression, params: hbs.AST.Expression[], hash: hbs.AST.Hash | undefined, depth: number) => {
    const name = pathName(path);
    const isHelper = name !== null && (HELPERS.has(name) || params.length > 0 || (hash?.pairs.length ?? 0) > 0);
    if (!isHelper && path.type === 'PathExpression') variable(path as hbs.AST.PathExpression, depth);
    arguments_(params, hash, depth);
    return !isHelper || SCOPE_HELPERS.has(name ?? '');
  };
  const statements = (body: hbs.AST.Statement[], depth: number) => {
    for (const node of body) {
      if (node.type === 'MustacheStatement') {
        const m = node as hbs.AST.MustacheStatement;
        head(m.path, m.params, m.hash, depth);
      } else if (node.type === 'BlockStatement') {
        const b = node as hbs.AST.BlockStatement;
        const newScope = head(b.path, b.params, b.hash, depth);
        if (b.program) statements(b.program.body, newScope ? depth + 1 : depth);
        if (b.inverse) statements(b.inverse.body, depth);
      } else if (node.type === 'PartialStatement') {
        const p = node as hbs.AST.PartialStatement;
        arguments_(p.params, p.hash, depth);
      }
    }
  };

  statements(parseHandlebars(engine, source, field).body, 0);
  return uses;
}
