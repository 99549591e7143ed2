import fc from 'fast-check';
import { BlankTracker, blankShape, collapseBlankLines, forcesCollapse, tidyText } from './text-tidy.js';

describe('tidying the text part piece by piece', () => {
  const piece = fc.array(fc.constantFrom('a', ' ', '\t', '\n', '\n', '\u00a0', '\r', 'é'), { maxLength: 8 }).map((cs) => cs.join(''));

  it('collapsing pieces first never changes the whole, trimmed and collapsed', () => {
    const tidied = (text: string) => collapseBlankLines(text.trim());
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 6 }), (pieces) => {
        expect(tidied(pieces.map(collapseBlankLines).join(''))).toBe(tidied(pieces.join('')));
      }),
      { numRuns: 3000 },
    );
  });

  it('knows from the pieces alone whether the whole has a run of blank lines or white space at an end', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 6 }), (pieces) => {
        const tracker = new BlankTracker();
        for (const p of pieces) tracker.add(p, blankShape(p));
        const whole = pieces.join('');
        expect(tracker.finish()).toBe(collapseBlankLines(whole.trim()) !== whole);
        if (!tracker.finish()) expect(tidyText(whole)).toBe(whole);
      }),
      { numRuns: 3000 },
    );
  });

  it('collapses runs of blank lines only when the text holds an empty line, as it always has', () => {
    expect(tidyText(' a\n\t\n\n\tb ')).toBe('a\n\t\n\n\tb');
    expect(tidyText('a\n\t\n\n\tb\n\n\nc')).toBe('a\n\n\tb\n\nc');
    expect(forcesCollapse('\n\n\nStap 1')).toBe(false);
    expect(forcesCollapse(']\n\n\nStap 2')).toBe(true);
  });
});
