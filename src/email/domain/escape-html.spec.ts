import fc from 'fast-check';
import { escapeExpression } from './escape-html.js';
import { renderEngine } from './render-cache.js';

describe('escaping', () => {
  it('escapes exactly as Handlebars does, whatever the value', () => {
    const hb = renderEngine.Utils.escapeExpression as (value: unknown) => string;
    const odd = fc.constantFrom<unknown>(0, -0, 1.5, Number.NaN, true, false, null, undefined, [1, '<'], { a: 1 }, new renderEngine.SafeString('<b>'), { valueOf: () => '<v>' }, { toHTML: 5 });
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: fc.constantFrom('&', '<', '>', '"', "'", '`', '=', 'a', 'é', '😀') }), odd), (value) => {
        expect(escapeExpression(value)).toBe(hb(value));
      }),
      { numRuns: 3000 },
    );
  });

  it('escapes a sequence of values as Handlebars does, values repeated or not (it remembers the last one)', () => {
    const hb = renderEngine.Utils.escapeExpression as (value: unknown) => string;
    const unit = fc.constantFrom('&', '<', '"', 'a', 'é');
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ unit, maxLength: 4 }), fc.constantFrom('Peeters & Zonen', '')), { maxLength: 12 }), (values) => {
        expect(values.map((v) => escapeExpression(v))).toEqual(values.map(hb));
      }),
    );
  });
});
