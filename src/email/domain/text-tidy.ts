const BLANK_LINES = /\n[ \t]*\n(?:[ \t]*\n)+/g;
const LEADING_OR_TRAILING_SPACE = /^\s|\s$/;

/**
 * The plain-text part as sent: trimmed, and when it holds an empty line (`\n\n\n` or `\n \n`), every run
 * of blank lines collapsed to one (blocks that render nothing can leave several).
 */
export function tidyText(text: string): string {
  const trimmed = text.trim();
  return collapses(trimmed) ? trimmed.replace(BLANK_LINES, '\n\n') : trimmed;
}

/** Whether {@link tidyText} collapses the runs of blank lines of a text it has trimmed to `trimmed`. */
function collapses(trimmed: string): boolean {
  return trimmed.includes('\n\n\n') || trimmed.includes('\n \n');
}

/**
 * Whether a piece of text that is sure to be part of the text part (static text outside any block) makes
 * {@link tidyText} collapse the whole: it holds an empty line between visible characters, so no trimming
 * can remove it.
 */
export function forcesCollapse(piece: string): boolean {
  return collapses(piece.trim());
}

/**
 * Collapses every run of blank lines (a stretch of spaces, tabs and line breaks holding three or more line
 * breaks) to one blank line.
 *
 * When the whole is collapsed anyway ({@link forcesCollapse}), collapsing pieces of it first changes nothing:
 * a collapsed run (two line breaks) joins its neighbours into a run just as the whole run did, and is
 * trimmed away just the same. So static text is collapsed once per template version.
 */
export function collapseBlankLines(text: string): string {
  return text.replace(BLANK_LINES, '\n\n');
}

/**
 * What {@link tidyText} needs to know of a piece of text without reading the whole: the line breaks in its
 * leading and trailing stretches of spaces, tabs and line breaks, whether it is nothing but such a stretch,
 * and whether a stretch inside it holds a run of blank lines.
 */
export interface BlankShape {
  blank: boolean;
  lead: number;
  trail: number;
  inner: boolean;
}

const NO_BREAKS: BlankShape = { blank: false, lead: 0, trail: 0, inner: false };
const SPACES_ONLY: BlankShape = { blank: true, lead: 0, trail: 0, inner: false };

export function blankShape(text: string): BlankShape {
  const n = text.length;
  if (text.indexOf('\n') === -1) {
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c !== 32 && c !== 9) return NO_BREAKS;
    }
    return SPACES_ONLY;
  }
  let i = 0;
  let lead = 0;
  for (let c: number; i < n && isBlank((c = text.charCodeAt(i))); i++) if (c === 10) lead++;
  if (i === n) return { blank: true, lead, trail: lead, inner: false };
  let j = n - 1;
  let trail = 0;
  for (let c: number; isBlank((c = text.charCodeAt(j))); j--) if (c === 10) trail++;
  // Stretches strictly inside: each starts at a line break after a visible character and ends before one.
  for (let at = text.indexOf('\n', i); at !== -1 && at < j; ) {
    let breaks = 0;
    let k = at;
    for (let c: number; k < j && isBlank((c = text.charCodeAt(k))); k++) if (c === 10) breaks++;
    if (breaks >= 3) return { blank: false, lead, trail, inner: true };
    at = text.indexOf('\n', k);
  }
  return { blank: false, lead, trail, inner: false };
}

function isBlank(c: number): boolean {
  return c === 10 || c === 32 || c === 9;
}

/**
 * Follows the pieces of a text as they are joined and tells whether it has a run of blank lines (in or
 * across pieces) or white space at either end. When it has neither, no tidying changes it, and the joined
 * pieces need not be read again.
 */
export class BlankTracker {
  /** Line breaks in the stretch of spaces, tabs and line breaks the text so far ends with. */
  private pending = 0;
  private started = false;
  private last = '';
  /** True once the text is known to have a run of blank lines or leading white space (or that could not be ruled out). */
  changes = false;

  add(piece: string, shape: BlankShape): void {
    if (piece === '') return;
    if (!this.started) {
      this.started = true;
      if (LEADING_OR_TRAILING_SPACE.test(piece[0])) this.changes = true;
    }
    this.last = piece;
    if (shape.blank) {
      this.pending += shape.lead;
      if (this.pending >= 3) this.changes = true;
      return;
    }
    if (shape.inner || this.pending + shape.lead >= 3) this.changes = true;
    this.pending = shape.trail;
  }

  /** Whether the text made of the pieces added has a run of blank lines or white space at either end. */
  finish(): boolean {
    return this.changes || (this.last !== '' && LEADING_OR_TRAILING_SPACE.test(this.last[this.last.length - 1]));
  }
}

/**
 * A text part given as its parts (static text, and evaluators of the rest), rendered as {@link tidyText}
 * would leave it. When static text alone makes tidying collapse the runs of blank lines (as html-to-text's
 * output usually does), the static text is collapsed once here. A send reads the rendered text again only
 * when it still has a run, or white space at either end.
 */
export function tidiedTextRender(raw: readonly (string | ((context: any) => unknown))[]): (context: unknown) => string {
  const collapsed = raw.some((p) => typeof p === 'string' && forcesCollapse(p));
  const parts = collapsed ? raw.map((p) => (typeof p === 'string' ? collapseBlankLines(p) : p)) : raw;
  const shapes: (BlankShape | null)[] = parts.map((p) => (typeof p === 'string' ? blankShape(p) : null));
  const n = parts.length;
  return (context) => {
    const blanks = new BlankTracker();
    let out: any = '';
    for (let i = 0; i < n; i++) {
      const part = parts[i];
      const value = typeof part === 'string' ? part : part(context);
      if (typeof value === 'string') blanks.add(value, shapes[i] ?? blankShape(value));
      else blanks.changes = true; // e.g. numbers, which `+` may add up: read the result again
      out = i === 0 ? value : out + value;
    }
    const text = '' + (out as string);
    if (!blanks.finish()) return text;
    return collapsed ? collapseBlankLines(text.trim()) : tidyText(text);
  };
}
