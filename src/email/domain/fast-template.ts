import { escapeExpression } from './escape-html.js';
import { EMPTY_HASH, type Evaluate, join, lookupProperty, noop, NULL_CONTEXT, orEmpty } from './fast-template-runtime.js';
import type { TemplateEngine } from './helpers.js';
import { tidiedTextRender } from './text-tidy.js';

/**
 * A purpose-built evaluator for the Handlebars templates sends render, built once per template version.
 *
 * Handlebars' own runtime spends most of a send on set-up and indirection (merging and wrapping every helper,
 * a proto-access policy, program wrappers) rather than on the email. A compiled template here is a tree of
 * closures over the parsed template (after Handlebars' own whitespace control): static text is a string
 * constant, `{{path}}` a chain of own-property lookups, and helper calls go to the very helper functions
 * registered on the engine, with the same arguments, `this` and options Handlebars would pass. It follows the
 * code Handlebars 4.7 generates for `knownHelpersOnly`, `data: false` templates exactly, including its quirks
 * (a program's parts are joined with `+`, so a block holding only `{{a}}{{b}}` adds numbers).
 *
 * Only that subset is covered: no partials, decorators, `@data`, `../`, block parameters or blocks of unknown
 * helpers. For anything else {@link compileFastTemplate} answers null and the caller uses Handlebars.
 */
export type FastRender = (data: unknown) => string;

export interface FastTemplateOptions {
  /** HTML-escape `{{…}}` output (false for plain-text templates: Handlebars' `noEscape`). */
  escape: boolean;
  /** The helpers a template may call (Handlebars' `knownHelpers` with `knownHelpersOnly`). */
  knownHelpers: ReadonlySet<string>;
  /**
   * The template is the plain-text part: render it as {@link tidyText} would leave it. Static runs of blank
   * lines are collapsed once here, and a send reads the rendered text again only when tidying changes it.
   */
  tidyText?: boolean;
  /**
   * Helpers whose result depends only on their one literal argument (no hash, no options, no `this`):
   * `{{name 3}}` calls the function with the literal directly, without building a helper call.
   */
  directCalls?: ReadonlyMap<string, (argument: never) => unknown>;
  /**
   * Block helpers whose result depends only on what their block renders in the helper's `this` (they do
   * `fn(options.fn(this))` and nothing else): `{{#name}}…{{/name}}` without `{{else}}` calls the function
   * with the rendered block directly.
   */
  directBlocks?: ReadonlyMap<string, (rendered: unknown) => unknown>;
  /**
   * For such blocks: a compiler given the block's parts (static text, and evaluators of the rest) that builds
   * the block's whole evaluation, in the helper's `this`, giving what the direct block gives; or null for the
   * direct block.
   */
  blockCompilers?: ReadonlyMap<string, (parts: readonly (string | Evaluate)[]) => Evaluate | null>;
}

type Program = hbs.AST.Program;
type Statement = hbs.AST.Statement;
type Expression = hbs.AST.Expression;
type PathExpression = hbs.AST.PathExpression;
type Hash = hbs.AST.Hash;
type SourceLocation = hbs.AST.SourceLocation;

type Helper = (this: unknown, ...args: unknown[]) => unknown;

class Unsupported extends Error {}

/**
 * Compiles `source` for {@link FastRender}, or returns null when the template uses something outside the
 * supported subset or does not parse (Handlebars then reports the same problem when it renders).
 */
export function compileFastTemplate(engine: TemplateEngine, source: string, options: FastTemplateOptions): FastRender | null {
  let program: Program;
  try {
    program = engine.parse(source);
  } catch {
    return null;
  }
  try {
    const compiler = new FastCompiler(engine, options);
    if (options.tidyText) return compiler.tidyTextProgram(program);
    const main = compiler.program(program);
    return (data) => '' + (main(data) as string);
  } catch (err) {
    if (err instanceof Unsupported) return null;
    throw err;
  }
}

class FastCompiler {
  constructor(
    private readonly engine: TemplateEngine,
    private readonly options: FastTemplateOptions,
  ) {}

  /** A program's value: its parts joined with `+` left to right, as Handlebars' generated `return a + b + …`. */
  program(program: Program): Evaluate {
    return join(this.parts(program));
  }

  /** The whole text part, tidied (see tidiedTextRender in text-tidy.ts). */
  tidyTextProgram(program: Program): FastRender {
    return tidiedTextRender(this.parts(program));
  }

  private parts(program: Program): (string | Evaluate)[] {
    if (program.blockParams?.length) throw new Unsupported('block parameters');
    const parts: (string | Evaluate)[] = [];
    for (const statement of program.body) {
      const part = this.statement(statement);
      if (part === null || part === '') continue; // comments; Handlebars emits nothing for empty content either
      const last = parts.length - 1;
      if (typeof part === 'string' && last >= 0 && typeof parts[last] === 'string') parts[last] = (parts[last] as string) + part;
      else parts.push(part);
    }
    return parts;
  }

  private statement(node: Statement): string | Evaluate | null {
    switch (node.type) {
      case 'ContentStatement':
        return (node as hbs.AST.ContentStatement).value;
      case 'CommentStatement':
        return null;
      case 'MustacheStatement':
        return this.mustache(node as hbs.AST.MustacheStatement);
      case 'BlockStatement':
        return this.block(node as hbs.AST.BlockStatement);
      default:
        throw new Unsupported(node.type);
    }
  }

  /** `{{…}}`: a helper's result or a looked-up value, escaped unless `{{{…}}}` or a plain-text template. */
  private mustache(node: hbs.AST.MustacheStatement): Evaluate {
    const helper = this.helperName(node.path, node.params.length > 0 || node.hash !== undefined);
    let value: Evaluate;
    const direct = helper !== null ? this.options.directCalls?.get(helper) : undefined;
    const [only] = node.params;
    if (direct && node.params.length === 1 && node.hash === undefined && only.type === 'NumberLiteral') {
      const argument = (only as hbs.AST.NumberLiteral).value as never;
      value = () => direct(argument);
    } else if (helper !== null) {
      value = this.helperCall(helper, node.params, node.hash, node.loc, null);
    } else {
      const get = this.path(node.path as PathExpression);
      value = (context) => {
        const found = get(context);
        return typeof found === 'function' ? found.call(context) : found; // Handlebars' `lambda`
      };
    }
    if (node.escaped && this.options.escape) return (context) => escapeExpression(value(context));
    return orEmpty(value);
  }

  /** `{{#helper …}}…{{else}}…{{/helper}}` (and `{{^helper}}`): only blocks of known helpers; never escaped. */
  private block(node: hbs.AST.BlockStatement): Evaluate {
    const helper = this.helperName(node.path, true);
    if (helper === null) throw new Unsupported('a block of something other than a known helper');
    const direct = this.options.directBlocks?.get(helper);
    if (direct && node.params.length === 0 && node.hash === undefined && !node.inverse && node.program) {
      const compiled = this.options.blockCompilers?.get(helper)?.(this.parts(node.program));
      if (compiled) return orEmpty((context) => compiled(context != null ? context : NULL_CONTEXT));
      const run = this.program(node.program);
      return orEmpty((context) => direct(run(context != null ? context : NULL_CONTEXT)));
    }
    const blocks = {
      fn: node.program ? this.blockProgram(node.program) : noop,
      inverse: node.inverse ? this.blockProgram(node.inverse) : noop,
    };
    if ((helper === 'if' || helper === 'unless') && node.params.length === 1 && node.hash === undefined) {
      return orEmpty(this.condition(node.params[0], helper === 'if' ? blocks : { fn: blocks.inverse, inverse: blocks.fn }));
    }
    return orEmpty(this.helperCall(helper, node.params, node.hash, node.loc, blocks));
  }

  /**
   * Handlebars' built-in `{{#if}}` (and `{{#unless}}`, which calls it with the blocks swapped) without a
   * helper call: a function is called first, then falsy values and empty arrays choose the inverse. Both
   * blocks see `this` as the helper would (the null context when there is none).
   */
  private condition(param: Expression, blocks: { fn: (context?: unknown) => unknown; inverse: (context?: unknown) => unknown }): Evaluate {
    const value = this.param(param);
    const { fn, inverse } = blocks;
    return (context) => {
      const self = context != null ? context : NULL_CONTEXT;
      let condition = value(context);
      if (typeof condition === 'function') condition = (condition as (this: unknown) => unknown).call(self);
      return !condition || (Array.isArray(condition) && condition.length === 0) ? inverse(self) : fn(self);
    };
  }

  private blockProgram(program: Program): (context?: unknown) => unknown {
    const run = this.program(program);
    return (context) => run(context);
  }

  /**
   * The helper a mustache, block or sub-expression calls, or null for a plain lookup; mirrors Handlebars'
   * `classifySexpr` with `knownHelpersOnly`. Anything Handlebars would resolve at run time is unsupported.
   */
  private helperName(path: PathExpression | hbs.AST.Literal, isCall: boolean): string | null {
    if (path.type !== 'PathExpression') throw new Unsupported('a literal in place of a path');
    const p = path as PathExpression;
    if (p.data || p.depth > 0) throw new Unsupported('@data or ../');
    const simple = p.parts.length === 1 && !/^\.|this\b/.test(p.original);
    const name = simple ? p.parts[0] : null;
    // Handlebars always knows these two, and calls them when named; sends never need them.
    if (name === 'helperMissing' || name === 'blockHelperMissing') throw new Unsupported(name);
    const known = name !== null && this.options.knownHelpers.has(name) && typeof this.engine.helpers[name] === 'function';
    if (known) return name;
    if (isCall || (name !== null && this.options.knownHelpers.has(name))) throw new Unsupported(`helper ${p.original}`);
    return null;
  }

  /** Calls a registered helper as Handlebars' generated code does: params left to right, then the hash. */
  private helperCall(
    name: string,
    params: Expression[],
    hash: Hash | undefined,
    loc: SourceLocation,
    blocks: { fn: (context?: unknown) => unknown; inverse: (context?: unknown) => unknown } | null,
  ): Evaluate {
    const helper = this.engine.helpers[name] as Helper;
    const args = params.map((p) => this.param(p));
    // Handlebars writes the hash object literal with its keys in reverse order, so they are evaluated so too.
    // A key whose value is the literal `undefined` is left out of that object literal altogether (so a
    // scope helper spreading the hash keeps the outer value), not set to undefined.
    const pairs = (hash?.pairs ?? [])
      .filter((pair) => pair.value.type !== 'UndefinedLiteral')
      .map((pair) => [pair.key, this.param(pair.value)] as const)
      .reverse();
    const n = args.length;
    // Without a hash, the options object holds nothing but constants of this call site, so every call shares
    // one (no helper writes to its options; a call site never runs inside a call of itself).
    const constant: Record<string, unknown> | null =
      pairs.length > 0
        ? null
        : blocks
          ? { lookupProperty, name, hash: EMPTY_HASH, fn: blocks.fn, inverse: blocks.inverse, loc }
          : { lookupProperty, name, hash: EMPTY_HASH, loc };
    const options = (context: unknown): Record<string, unknown> => {
      if (constant !== null) return constant;
      // No helper of ours writes to its hash, so calls without one share an empty, frozen hash.
      let hashValues: Record<string, unknown> = EMPTY_HASH;
      if (pairs.length > 0) {
        hashValues = {};
        for (const [key, value] of pairs) hashValues[key] = value(context);
      }
      return blocks
        ? { lookupProperty, name, hash: hashValues, fn: blocks.fn, inverse: blocks.inverse, loc }
        : { lookupProperty, name, hash: hashValues, loc };
    };
    if (n === 0) return (context) => helper.call(context != null ? context : NULL_CONTEXT, options(context));
    if (n === 1) {
      const [a] = args;
      return (context) => {
        const self = context != null ? context : NULL_CONTEXT;
        const first = a(context);
        return helper.call(self, first, options(context));
      };
    }
    if (n === 2) {
      const [a, b] = args;
      return (context) => {
        const self = context != null ? context : NULL_CONTEXT;
        const first = a(context);
        const second = b(context);
        return helper.call(self, first, second, options(context));
      };
    }
    return (context) => {
      const self = context != null ? context : NULL_CONTEXT;
      const values: unknown[] = new Array(n + 1);
      for (let i = 0; i < n; i++) values[i] = args[i](context);
      values[n] = options(context);
      return helper.apply(self, values);
    };
  }

  /** A helper argument or hash value: looked up (never called), a literal, or a sub-expression's result. */
  private param(node: Expression): Evaluate {
    switch (node.type) {
      case 'PathExpression':
        return this.path(node as PathExpression);
      case 'StringLiteral':
      case 'NumberLiteral':
      case 'BooleanLiteral': {
        const value = (node as hbs.AST.StringLiteral | hbs.AST.NumberLiteral | hbs.AST.BooleanLiteral).value;
        return () => value;
      }
      case 'UndefinedLiteral':
        return () => undefined;
      case 'NullLiteral':
        return () => null;
      case 'SubExpression': {
        const sub = node as hbs.AST.SubExpression;
        const helper = this.helperName(sub.path as PathExpression, true);
        return this.helperCall(helper!, sub.params, sub.hash, sub.loc, null);
      }
      default:
        throw new Unsupported(node.type);
    }
  }

  /** `a.b.c` from the context: each step only when the previous value is not null or undefined. */
  private path(node: PathExpression): Evaluate {
    if (node.data || node.depth > 0) throw new Unsupported('@data or ../');
    const parts = node.parts.slice();
    for (const part of parts) if (typeof part !== 'string') throw new Unsupported('a path with a sub-expression');
    switch (parts.length) {
      case 0:
        return (context) => context;
      case 1: {
        const [a] = parts;
        return (context) => (context != null ? lookupProperty(context, a) : context);
      }
      case 2: {
        const [a, b] = parts;
        return (context) => {
          const first = context != null ? lookupProperty(context, a) : context;
          return first != null ? lookupProperty(first, b) : first;
        };
      }
      default:
        return (context) => {
          let value = context;
          for (const part of parts) value = value != null ? lookupProperty(value, part) : value;
          return value;
        };
    }
  }
}
