import fc from 'fast-check';
import { MAX_JSON_DEPTH, unsafeInputFields } from './json-input.js';

describe('input no field may hold', () => {
  const nested = (levels: number): unknown => {
    let v: unknown = 'deep';
    for (let i = 0; i < levels; i++) v = { a: v };
    return v;
  };

  it('accepts ordinary input', () => {
    expect(unsafeInputFields({ email: 'an@example.be', attributes: { tags: ['a', 'b'], n: 1, ok: true, none: null } })).toEqual([]);
    expect(unsafeInputFields(nested(MAX_JSON_DEPTH))).toEqual([]);
  });

  it('names each value with a NUL character by its path', () => {
    expect(unsafeInputFields({ firstName: 'a\u0000b', properties: { u: 'a\u0000', list: ['ok', 'x\u0000'] } })).toEqual([
      { field: 'firstName', message: 'must not contain a NUL character' },
      { field: 'properties.u', message: 'must not contain a NUL character' },
      { field: 'properties.list[1]', message: 'must not contain a NUL character' },
    ]);
    expect(unsafeInputFields({ u: 'a\u0000' }, 'events[1].properties')).toEqual([{ field: 'events[1].properties.u', message: expect.any(String) }]);
    expect(unsafeInputFields('%\u0000', 'email')).toEqual([{ field: 'email', message: expect.any(String) }]);
  });

  it('names the object whose field name holds a NUL character', () => {
    expect(unsafeInputFields({ attributes: { 'a\u0000': 1 } })).toEqual([{ field: 'attributes', message: 'must not have a field name with a NUL character' }]);
    expect(unsafeInputFields({ 'a\u0000': 1 })).toEqual([{ field: 'body', message: expect.any(String) }]);
  });

  it('names each value or field name with a lone surrogate, and keeps paired surrogates (emoji)', () => {
    expect(unsafeInputFields({ name: 'Bakkerij 🥐', email: 'a\ud800@example.be', note: '\udc00x', attributes: { ['k\udbff']: 1 } })).toEqual([
      { field: 'email', message: 'must not contain a lone surrogate (text that is not valid Unicode)' },
      { field: 'note', message: expect.any(String) },
      { field: 'attributes', message: 'must not have a field name with a lone surrogate (text that is not valid Unicode)' },
    ]);
    // The two halves of an emoji in the wrong order are two lone surrogates.
    expect(unsafeInputFields({ u: '\udd50\ud83e' })).toEqual([{ field: 'u', message: expect.any(String) }]);
  });

  it('finds a lone surrogate wherever a string is, and nothing in well-formed text (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: 'grapheme' }), (json, text) => {
        expect(unsafeInputFields(json).some((e) => e.message.includes('surrogate'))).toBe(false);
        expect(unsafeInputFields({ a: [json, `${text}\ud800`] }).some((e) => e.message.includes('surrogate'))).toBe(true);
        expect(unsafeInputFields({ a: text })).toEqual(text.includes('\u0000') ? [expect.anything()] : []);
      }),
      { seed: 7, numRuns: 300 },
    );
  });

  it('refuses nesting past the limit without overflowing the stack, however deep', () => {
    const errors = unsafeInputFields({ properties: nested(5_000) });
    expect(errors).toHaveLength(1);
    expect(errors[0].field).toBe(`properties${'.a'.repeat(MAX_JSON_DEPTH - 1)}`);
    expect(errors[0].message).toBe(`nests objects and arrays deeper than ${MAX_JSON_DEPTH} levels`);
    let arrays: unknown = [];
    for (let i = 0; i < 100_000; i++) arrays = [arrays];
    expect(unsafeInputFields(arrays)).toHaveLength(1);
  });

  it('stops after ten problems', () => {
    expect(unsafeInputFields(Array.from({ length: 1000 }, () => '\u0000'))).toHaveLength(10);
  });
});
