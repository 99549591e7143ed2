import { DomainError, ErrorCode } from '../../common/domain-error.js';

/** One problem in a template: which field (e.g. `variants.nl.mjml`), which line (1-based) and what is wrong. */
export interface TemplateProblem {
  field: string;
  line: number | null;
  message: string;
}

/**
 * A template that cannot be compiled (invalid MJML, invalid Handlebars, unknown helper or partial).
 * `field`, `line` and `message` describe the first problem; `problems` lists them all.
 * The problem+json filter answers it with 422 and one entry per problem.
 */
export class TemplateError extends DomainError {
  readonly field: string;
  readonly line: number | null;
  readonly problems: TemplateProblem[];

  constructor(problems: TemplateProblem[]) {
    const [first] = problems;
    super(
      ErrorCode.Unprocessable,
      `${first.field}${first.line ? ` line ${first.line}` : ''}: ${first.message}`,
      problems.map((p) => ({ field: p.field, message: p.line ? `line ${p.line}: ${p.message}` : p.message })),
    );
    this.name = 'TemplateError';
    this.field = first.field;
    this.line = first.line;
    this.problems = problems;
  }

  static at(field: string, line: number | null, message: string): TemplateError {
    return new TemplateError([{ field, line, message }]);
  }
}
