import { HELPER_ARITY, type TemplateEngine } from './helpers.js';
import { TemplateError, type TemplateProblem } from './template-error.js';

/** Every `{{…}}` span of a template (a `{{!-- … --}}` comment whole, even when it holds `}}`), in source order. */
export const MUSTACHE = /\{\{!--[\s\S]*?--\}\}|\{\{[\s\S]*?\}\}\}?/g;

type Node = hbs.AST.Node;
type Program = hbs.AST.Program;

/** Parses Handlebars source, or throws a {@link TemplateError} naming the field and line. */
export function parseHandlebars(hb: TemplateEngine, source: string, field: string): Program {
  try {
    const program = hb.parse(source);
    hb.precompile(program); // surfaces compiler-level errors (e.g. a misplaced `{{else}}`) too
    return program;
  } catch (err) {
    throw new TemplateError([handlebarsProblem(err, field, source)]);
  }
}

/** Turns a Handlebars parse/compile exception into a problem with a line number. */
export function handlebarsProblem(err: unknown, field: string, source?: string): TemplateProblem {
  const e = err as { message?: string; lineNumber?: number };
  const message = String(e.message ?? err);
  const parse = /^Parse error on line (\d+):\n(.*)\n.*\n([\s\S]*)$/.exec(message);
  const unclosed = parse && /got 'EOF'/.test(parse[3]) && source !== undefined ? unclosedBlock(source) : null;
  if (unclosed) {
    return { field, line: unclosed.line, message: `invalid Handlebars: {{#${unclosed.name}}} is never closed with {{/${unclosed.name}}}` };
  }
  if (parse) {
    return { field, line: Number(parse[1]), message: `invalid Handlebars near "${parse[2].trim()}": ${parse[3].trim()}` };
  }
  const line = typeof e.lineNumber === 'number' ? e.lineNumber : null;
  return { field, line, message: `invalid Handlebars: ${message.replace(/ - \d+:\d+$/, '')}` };
}

/** The innermost block left open at the end of `source`, with the line it was opened on. */
function unclosedBlock(source: string): { name: string; line: number } | null {
  const open: { name: string; line: number }[] = [];
  for (const match of source.matchAll(/\{\{~?\s*([#^/])\s*\*?>?\s*([^\s}~()]+)/g)) {
    const line = source.slice(0, match.index).split('\n').length;
    if (match[1] !== '/') open.push({ name: match[2], line });
    else if (open.at(-1)?.name === match[2]) open.pop();
  }
  return open.at(-1) ?? null;
}

export interface SyntaxRules {
  /** Helper names a template may call. */
  helpers: ReadonlySet<string>;
  /** Partial names a template may include; `{{> other}}` is reported. */
  partials: ReadonlySet<string>;
}

/**
 * What parses but would fail or be unsafe at send time: an unknown helper, an unknown or dynamic partial,
 * partial blocks and decorators, and `{{{…}}}` / `{{& …}}` (unescaped output of lead data).
 */
export function checkTemplateSyntax(program: Program, field: string, rules: SyntaxRules): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const report = (node: Node, message: string) => problems.push({ field, line: node.loc?.start.line ?? null, message });

  const call = (node: Node, path: hbs.AST.Expression, params: hbs.AST.Expression[], hash?: hbs.AST.Hash) => {
    const name = pathName(path);
    if ((params.length > 0 || (hash?.pairs.length ?? 0) > 0) && (name === null || !rules.helpers.has(name))) {
      report(node, `unknown helper "${name ?? '?'}"`);
    }
    arity(node, name, params.length);
    [...params, ...(hash?.pairs.map((p) => p.value) ?? [])].forEach(expression);
  };
  const arity = (node: Node, name: string | null, given: number) => {
    const expected = name !== null && rules.helpers.has(name) && Object.hasOwn(HELPER_ARITY, name) ? HELPER_ARITY[name] : null;
    if (!expected || (given >= expected.min && given <= expected.max)) return;
    const wanted =
      expected.min === expected.max ? `${expected.min}` : expected.max === Infinity ? `at least ${expected.min}` : `${expected.min} to ${expected.max}`;
    report(node, `"${name}" takes ${wanted} argument${wanted === '1' ? '' : 's'}, not ${given}: write it like ${expected.usage}`);
  };
  const expression = (node: hbs.AST.Expression) => {
    if (node.type === 'SubExpression') {
      const sub = node as hbs.AST.SubExpression;
      const name = pathName(sub.path);
      if (name === null || !rules.helpers.has(name)) report(node, `unknown helper "${name ?? '?'}"`);
      arity(node, name, sub.params.length);
      [...sub.params, ...(sub.hash?.pairs.map((p) => p.value) ?? [])].forEach(expression);
    }
  };
  const statement = (node: hbs.AST.Statement) => {
    switch (node.type) {
      case 'MustacheStatement': {
        const m = node as hbs.AST.MustacheStatement;
        if (!m.escaped) report(node, 'unescaped output ({{{…}}} or {{& …}}) is not allowed: use {{…}} so lead data is HTML-escaped');
        call(node, m.path, m.params, m.hash);
        break;
      }
      case 'BlockStatement': {
        const b = node as hbs.AST.BlockStatement;
        call(node, b.path, b.params, b.hash);
        if (b.program) b.program.body.forEach(statement);
        if (b.inverse) b.inverse.body.forEach(statement);
        break;
      }
      case 'PartialStatement': {
        const p = node as hbs.AST.PartialStatement;
        const name = partialName(p.name);
        if (name === null) report(node, 'dynamic partial names are not supported');
        else if (!rules.partials.has(name)) report(node, `unknown partial "${name}"`);
        [...p.params, ...(p.hash?.pairs.map((h) => h.value) ?? [])].forEach(expression);
        break;
      }
      case 'PartialBlockStatement':
        report(node, 'partial blocks ({{#> …}}) are not supported');
        break;
      case 'Decorator':
      case 'DecoratorBlock':
        report(node, 'decorators and inline partials ({{* …}}) are not supported');
        break;
    }
  };
  program.body.forEach(statement);
  return problems;
}

/** The name of a helper or variable path (`fallback`, `attributes.industry`), or null for literals. */
export function pathName(node: hbs.AST.Expression | hbs.AST.PathExpression): string | null {
  return node.type === 'PathExpression' ? (node as hbs.AST.PathExpression).original : null;
}

/** A partial's static name, or null when it is computed at run time. */
export function partialName(node: hbs.AST.PathExpression | hbs.AST.SubExpression): string | null {
  if (node.type === 'PathExpression') return (node as hbs.AST.PathExpression).original;
  if ((node as hbs.AST.Node).type === 'StringLiteral') return (node as unknown as hbs.AST.StringLiteral).value;
  return null;
}
