import { DomainError, ErrorCode } from '../../common/domain-error.js';

/** One problem in a template: which field (e.g. `variants.nl.mjml`), which line (1-based) and what is wrong. */
export interface TemplateProblem {
  field: string;
  line: number | null;
  message: string;
}

/**
 * A template that cannot be compiled (invalid MJML, invalid Handlebars, unknown helper or partial), or that a send
 * cannot use. `field`, `line` and `message` describe the first problem; `problems` lists them all; `reason`, when
 * given, is the word a failed send records (else `render_failed`: see DeliveryService).
 * The problem+json filter answers it with 422 and one entry per problem.
 */
export class TemplateError extends DomainError {
  readonly field: string;
  readonly line: number | null;
  readonly problems: TemplateProblem[];

  constructor(problems: TemplateProblem[], reason?: string) {
    const [first] = problems;
    super(
      ErrorCode.Unprocessable,
      `${first.field}${first.line ? ` line ${first.line}` : ''}: ${first.message}`,
      problems.map((p) => ({ field: p.field, message: p.line ? `line ${p.line}: ${p.message}` : p.message })),
      reason,
    );
    this.name = 'TemplateError';
    this.field = first.field;
    this.line = first.line;
    this.problems = problems;
  }

  static at(field: string, line: number | null, message: string, reason?: string): TemplateError {
    return new TemplateError([{ field, line, message }], reason);
  }
}
