/** Where a line of an assembled template came from: the field (`mjml`, `layout`, `partials.button`) and its line. */
export interface SourceOrigin {
  field: string;
  line: number;
}

interface Piece {
  text: string;
  field: string;
  /** Line of the piece's first character in its own source. */
  line: number;
  /** Generated text: every line of it maps to `line`. */
  fixed: boolean;
}

/** A replacement of `[start, end)` of the current text. */
export interface SourceEdit {
  start: number;
  end: number;
  insert: MappedSource;
}

/**
 * Text assembled from several sources (layout, email body, partials, generated glue) that still knows,
 * for every line, where it came from, so an MJML error on line 212 of the assembled document is reported
 * as "partials.proof line 4" or "variants.nl.mjml line 12".
 */
export class MappedSource {
  readonly text: string;
  private lineOrigins?: SourceOrigin[];

  private constructor(private readonly pieces: Piece[]) {
    this.text = pieces.map((p) => p.text).join('');
  }

  /** A whole source, starting at its line 1. */
  static of(text: string, field: string): MappedSource {
    return new MappedSource([{ text, field, line: 1, fixed: false }]);
  }

  /** Generated text that belongs to one line of a source (e.g. the glue around an inlined partial). */
  static generated(text: string, origin: SourceOrigin): MappedSource {
    return new MappedSource([{ text, field: origin.field, line: origin.line, fixed: true }]);
  }

  /** Several sources one after the other. */
  static concat(...sources: MappedSource[]): MappedSource {
    return new MappedSource(sources.flatMap((s) => s.pieces));
  }

  /** Applies non-overlapping edits (in any order) and returns the new source. */
  splice(edits: SourceEdit[]): MappedSource {
    const sorted = [...edits].sort((a, b) => a.start - b.start);
    const out: Piece[] = [];
    let cursor = 0;
    for (const edit of sorted) {
      out.push(...this.slicePieces(cursor, edit.start), ...edit.insert.pieces);
      cursor = edit.end;
    }
    out.push(...this.slicePieces(cursor, this.text.length));
    return new MappedSource(out.filter((p) => p.text.length > 0));
  }

  /** The origin of the character at `offset`. */
  originAt(offset: number): SourceOrigin {
    let start = 0;
    for (const piece of this.pieces) {
      const end = start + piece.text.length;
      if (offset < end) return { field: piece.field, line: lineInPiece(piece, offset - start) };
      start = end;
    }
    return this.originOfLine(Number.MAX_SAFE_INTEGER);
  }

  /** The origin of a 1-based line of the assembled text: where its first non-blank character came from. */
  originOfLine(line: number): SourceOrigin {
    const origins = (this.lineOrigins ??= this.computeLineOrigins());
    return origins[Math.min(Math.max(line, 1), origins.length) - 1];
  }

  private computeLineOrigins(): SourceOrigin[] {
    const origins: SourceOrigin[] = [];
    let provisional = true;
    for (const piece of this.pieces) {
      const segments = piece.text.split('\n');
      segments.forEach((segment, i) => {
        const origin = { field: piece.field, line: piece.fixed ? piece.line : piece.line + i };
        const blank = segment.trim() === '';
        if (i > 0 || origins.length === 0) {
          origins.push(origin);
          provisional = blank;
        } else if (provisional && !blank) {
          origins[origins.length - 1] = origin;
          provisional = false;
        }
      });
    }
    return origins.length > 0 ? origins : [{ field: 'mjml', line: 1 }];
  }

  private slicePieces(from: number, to: number): Piece[] {
    const out: Piece[] = [];
    let start = 0;
    for (const piece of this.pieces) {
      const end = start + piece.text.length;
      const a = Math.max(from, start);
      const b = Math.min(to, end);
      if (a < b) {
        out.push({ ...piece, text: piece.text.slice(a - start, b - start), line: lineInPiece(piece, a - start) });
      }
      start = end;
    }
    return out;
  }
}

function lineInPiece(piece: Piece, offset: number): number {
  if (piece.fixed) return piece.line;
  let line = piece.line;
  for (let i = piece.text.indexOf('\n'); i !== -1 && i < offset; i = piece.text.indexOf('\n', i + 1)) line++;
  return line;
}
