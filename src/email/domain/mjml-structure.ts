import { PARTIAL_SCOPE_HELPER } from './helpers.js';
import type { MappedSource } from './mapped-source.js';
import { CONTENT_ELEMENTS } from './mjml-assembly.js';
import type { TemplateProblem } from './template-error.js';

/** Elements whose content MJML keeps as written (HTML, CSS or text); MJML elements inside them are not compiled. */
const TEXT_ELEMENTS: ReadonlySet<string> = new Set([...CONTENT_ELEMENTS, 'mj-html-attribute']);

const TOKEN =
  /(<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>)|<(\/?)(mjml|mj-[\w-]+)\b(?:"[^"]*"|'[^']*'|[^'">])*?(\/?)>|(\{\{!--[\s\S]*?--\}\}|\{\{[\s\S]*?\}\}\}?)/gi;
const PARTIAL_OPEN = new RegExp(`^\\{\\{~?#\\s*${PARTIAL_SCOPE_HELPER}\\b`);
const PARTIAL_CLOSE = new RegExp(`^\\{\\{~?/\\s*${PARTIAL_SCOPE_HELPER}\\b`);

interface OpenElement {
  name: string;
  at: number;
}

/**
 * What MJML's parser silently "fixes" and so loses: a closing tag that does not match (`</mj-txt>` for
 * `</mj-text>`), an element never closed, MJML elements inside a content element (`<mj-section>` in
 * `<mj-text>` reaches the email as raw tags), and text outside any content element (dropped). Checks the
 * assembled document (layout, body, inlined partials) and names the author's line: a problem inside an
 * inlined partial is reported where the partial is included. Answers the first tag problem (later ones would
 * only follow from it) and every piece of lost text before it.
 */
export function mjmlStructureProblems(source: MappedSource): TemplateProblem[] {
  const text = source.text;
  const problems: TemplateProblem[] = [];
  const stack: OpenElement[] = [];
  const partials: number[] = []; // where each enclosing inlined partial was included
  const top = () => stack[stack.length - 1];
  const inText = () => stack.length > 0 && TEXT_ELEMENTS.has(top().name);

  const report = (offset: number, message: string): void => {
    if (partials.length > 0) {
      const call = source.originAt(partials[0]);
      problems.push({ field: call.field, line: call.line, message: `invalid MJML from the partial included here: ${message}` });
    } else {
      const at = source.originAt(offset);
      problems.push({ field: at.field, line: at.line, message: `invalid MJML: ${message}` });
    }
  };
  /** Where `open` was opened, as seen from the tag at `offset` (only for a problem: originAt scans the text). */
  const where = (open: OpenElement, offset: number) => {
    const origin = source.originAt(open.at);
    return origin.field === source.originAt(offset).field ? `line ${origin.line}` : `${origin.field} line ${origin.line}`;
  };
  const lostText = (start: number, end: number): void => {
    const gap = text.slice(start, end);
    const words = gap.replace(/<[^>]*>/g, ' ').trim();
    if (words === '') return;
    const first = start + gap.search(/[^\s]/);
    const shown = words.length > 40 ? `${words.slice(0, 40)}…` : words;
    report(first, `the text "${shown}" is outside any content element and would be lost; put it in <mj-text>`);
  };

  let last = 0;
  for (const match of text.matchAll(TOKEN)) {
    const [whole, comment, closing, rawName, selfClosing, mustache] = match;
    const offset = match.index;
    if (!inText()) lostText(last, offset);
    last = offset + whole.length;
    if (comment) continue;
    if (mustache) {
      if (PARTIAL_OPEN.test(mustache)) partials.push(offset);
      else if (PARTIAL_CLOSE.test(mustache)) partials.pop();
      continue;
    }
    const name = rawName.toLowerCase();
    if (inText()) {
      const open = top();
      if (closing && name === open.name) {
        stack.pop();
        continue;
      }
      report(
        offset,
        closing
          ? `</${name}> does not close <${open.name}> (${where(open, offset)}); close it with </${open.name}>`
          : `<${name}> cannot be inside <${open.name}> (${where(open, offset)}): it would reach the email as raw markup`,
      );
      return problems;
    }
    if (!closing) {
      if (!selfClosing) stack.push({ name, at: offset });
      continue;
    }
    const open = top();
    if (!open) {
      report(offset, `</${name}> closes no element`);
      return problems;
    }
    if (open.name !== name) {
      const opened = stack.some((e) => e.name === name);
      if (opened) report(open.at, `<${open.name}> is not closed before </${name}>`);
      else report(offset, `</${name}> does not close <${open.name}> (${where(open, offset)})`);
      return problems;
    }
    stack.pop();
  }
  if (stack.length > 0) {
    report(top().at, `<${top().name}> is never closed`);
    return problems;
  }
  lostText(last, text.length);
  return problems;
}

/** A last guard: an MJML tag left in the compiled HTML would show in the email as text. */
export function rawMjmlInHtml(html: string): string | null {
  return /<\/?mj-[\w-]+/i.exec(html)?.[0] ?? null;
}
