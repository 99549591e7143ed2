import { MappedSource } from './mapped-source.js';

describe('MappedSource', () => {
  const layout = MappedSource.of('<mjml>\n<mj-body>\nSLOT\n</mj-body>\n</mjml>', 'layout');
  const body = MappedSource.of('<mj-section>\n  <mj-bad />\n</mj-section>', 'variants.nl.mjml');
  const slot = layout.text.indexOf('SLOT');
  const assembled = layout.splice([{ start: slot, end: slot + 4, insert: body }]);

  it('knows, for every line of the assembled document, where it came from', () => {
    expect(assembled.text.split('\n')[3]).toBe('  <mj-bad />');
    expect(assembled.originOfLine(1)).toEqual({ field: 'layout', line: 1 });
    expect(assembled.originOfLine(4)).toEqual({ field: 'variants.nl.mjml', line: 2 });
    expect(assembled.originOfLine(6)).toEqual({ field: 'layout', line: 4 });
  });

  it('maps generated glue to the line it stands for', () => {
    const glued = body.splice([{ start: 0, end: 0, insert: MappedSource.generated('<mj-raw>{{#if x}}</mj-raw>\n', { field: 'variants.nl.mjml', line: 1 }) }]);
    expect(glued.originOfLine(1)).toEqual({ field: 'variants.nl.mjml', line: 1 });
    expect(glued.originOfLine(3)).toEqual({ field: 'variants.nl.mjml', line: 2 });
    expect(glued.originAt(glued.text.indexOf('<mj-bad'))).toEqual({ field: 'variants.nl.mjml', line: 2 });
  });
});
