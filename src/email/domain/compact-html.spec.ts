import { compactHtml } from './compact-html.js';
import { compileTemplate } from './template-compiler.js';
import { loadTemplateLibrary } from './template-loader.js';
import { renderEmail } from './renderer.js';

describe('compactHtml', () => {
  it('drops indentation and blank lines, keeping one line break where there was whitespace', () => {
    expect(compactHtml('<table>\n    <tr>\n\n      <td\n         style="x"\n      >Hallo  {{firstName}} \n   daar</td>')).toBe(
      '<table>\n<tr>\n<td\nstyle="x"\n>Hallo  {{firstName}}\ndaar</td>',
    );
  });

  it('leaves HTML alone where whitespace is shown as typed', () => {
    const pre = '<div>\n  <pre>\n  a\n    b</pre>\n</div>';
    expect(compactHtml(pre)).toBe(pre);
    const styled = '<div style="white-space: pre-wrap">\n  a\n</div>';
    expect(compactHtml(styled)).toBe(styled);
  });

  it('makes a compiled starter a good deal smaller and renders the same text and links', async () => {
    const library = await loadTemplateLibrary();
    const compiled = await compileTemplate(library.starters['welcome-guide'].variants.nl, { layout: library.layouts.nl, partials: library.partials });
    const compact = { ...compiled, html: compactHtml(compiled.html) };
    expect(compact.html.length).toBeLessThan(compiled.html.length * 0.85);
    const data = { firstName: 'An', attributes: { industry: 'food' }, sender: { name: 'Studio Noord', website: 'https://example.be' }, unsubscribeUrl: 'https://t/u/x' };
    const tracking = { rewriteLink: (_u: string, i: number) => `https://t/c/${i}`, openPixelUrl: 'https://t/o/x' };
    const before = renderEmail(compiled, data, tracking);
    const after = renderEmail(compact, data, tracking);
    expect(after.links).toEqual(before.links);
    expect(after.subject).toBe(before.subject);
    const visibleText = (html: string) => html.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
    expect(visibleText(after.html)).toBe(visibleText(before.html));
  });
});
