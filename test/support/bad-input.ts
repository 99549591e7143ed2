import fc from 'fast-check';

/**
 * Generators of bad input for an operation of the served OpenAPI document: bodies, query strings and path
 * parameters that the API must refuse with a 4xx problem (or, for the few that are not necessarily wrong, may
 * accept), never answer with a 5xx. Used by test/api-bad-input.e2e.ts.
 */

export interface Schema {
  type?: string;
  format?: string;
  enum?: unknown[];
  nullable?: boolean;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  $ref?: string;
  oneOf?: Schema[];
  allOf?: Schema[];
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema?: Schema;
}

/** One bad request part. `refused`: it must be a 4xx; otherwise a 2xx is allowed too (never a 5xx). */
export interface BadCase {
  label: string;
  /** An object is sent as JSON; a string is sent raw with Content-Type: application/json. */
  body?: unknown;
  raw?: string;
  query?: string;
  path?: Record<string, string>;
  /** The field the refusal should name (a prefix of an `errors[].field`, or a word of `detail`). */
  field?: string;
  refused: boolean;
}

/** Resolves `$ref`s (and a single `allOf`) against the document's components. */
export function resolve(doc: { components?: { schemas?: Record<string, Schema> } }, schema: Schema | undefined): Schema | undefined {
  if (!schema) return undefined;
  if (schema.$ref) return resolve(doc, doc.components?.schemas?.[schema.$ref.split('/').pop()!]);
  if (schema.allOf?.length === 1) return resolve(doc, schema.allOf[0]);
  return schema;
}

const deep = (depth: number): unknown => {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
};

const HUGE = 'x'.repeat(70_000);
const LONE_SURROGATE = 'ab\ud800cd';

/** Values of a JSON type other than the field's declared one. */
function wrongTypes(schema: Schema): unknown[] {
  const all: Record<string, unknown[]> = {
    string: ['text', ''],
    number: [42, -1.5],
    integer: [7],
    boolean: [true],
    array: [['a', 1]],
    object: [{ k: 'v' }],
  };
  const type = schema.type ?? (schema.properties ? 'object' : undefined);
  if (!type) return [];
  const same = type === 'integer' || type === 'number' ? ['integer', 'number'] : [type];
  return Object.entries(all)
    .filter(([t]) => !same.includes(t))
    .flatMap(([, vs]) => vs);
}

/** Bad bodies for a request body schema (`fields` stands in for the properties of an open-ended schema). */
export function badBodies(schema: Schema | undefined, fields: string[] = []): fc.Arbitrary<BadCase> {
  const properties: Record<string, Schema> = { ...Object.fromEntries(fields.map((f) => [f, {}])), ...(schema?.properties ?? {}) };
  const names = Object.keys(properties);
  const whole: fc.Arbitrary<BadCase> = fc.constantFrom<BadCase>(
    { label: 'a JSON array for the body', body: [{}], field: 'body', refused: true },
    { label: 'a JSON string for the body', raw: '"hello"', field: 'body', refused: true },
    { label: 'a JSON number for the body', raw: '12', field: 'body', refused: true },
    { label: 'JSON null for the body', raw: 'null', field: 'body', refused: true },
    { label: 'a body nested too deep', body: { x: deep(40) }, field: 'x', refused: true },
  );
  const nonJson = fc
    .constantFrom('{"a":', "{'a': 1}", 'nope', '{"a": 1}}', '[1, 2', '{"a": NaN}', '\u0000', '{"a":"\\ud800"', '{"a": 01}')
    .map<BadCase>((raw) => ({ label: `a non-JSON body ${JSON.stringify(raw)}`, raw, field: 'body', refused: true }));
  const unknown = fc
    .tuple(fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_]{0,12}$/), fc.jsonValue({ maxDepth: 2 }))
    .filter(([name]) => !names.includes(name) && !['__proto__', 'constructor', 'prototype'].includes(name))
    .map<BadCase>(([name, value]) => ({ label: `an unknown field ${name}`, body: { [name]: value }, field: name, refused: true }));
  const arbitraries = [whole, nonJson, unknown];
  if (schema?.required?.length) {
    arbitraries.push(fc.constant<BadCase>({ label: 'an empty body (required fields missing)', body: {}, field: schema.required[0], refused: true }));
  }
  if (names.length) {
    const perField = fc.constantFrom(...names).chain((name) => {
      const field = properties[name];
      const cases: BadCase[] = [
        ...wrongTypes(field).map((value) => ({ label: `${name}: ${JSON.stringify(value)} (a wrong JSON type)`, body: { [name]: value }, field: name, refused: true })),
        { label: `${name}: null`, body: { [name]: null }, field: name, refused: !field.nullable },
        { label: `${name}: a string with NUL`, body: { [name]: 'a\u0000b' }, field: name, refused: true },
        { label: `${name}: nested too deep`, body: { [name]: deep(40) }, field: name, refused: true },
        { label: `${name}: a lone surrogate`, body: { [name]: LONE_SURROGATE }, field: name, refused: true },
        // Not wrong in itself for a free-text field: only never a 5xx.
        { label: `${name}: a huge string`, body: { [name]: HUGE }, field: name, refused: false },
      ];
      if (field.type === 'object' || field.properties) cases.push({ label: `${name}: an array for an object`, body: { [name]: [{}] }, field: name, refused: true });
      if (field.enum) cases.push({ label: `${name}: an unknown enum value`, body: { [name]: 'no_such_value' }, field: name, refused: true });
      return fc.constantFrom(...cases);
    });
    arbitraries.push(perField, perField);
  }
  return fc.oneof(...arbitraries);
}

/** Bad values for one query parameter, by its schema. */
function badQueryValues(p: Parameter): string[] {
  const s = p.schema ?? {};
  const values = ['%00', '%FF', '%ED%A0%80', 'x'.repeat(4000)];
  if (s.type === 'integer' || s.type === 'number' || p.name === 'limit') values.push('-1', 'abc', '1.5', '99999999999999999999', '', '1e3');
  if (p.name === 'cursor') values.push('garbage', 'eyJpZCI6MX0', '%7B%7D', 'AAAA');
  if (s.format === 'date-time' || s.format === 'date' || /since|from|to$/i.test(p.name)) values.push('yesterday', '2026-13-45', '2026-02-30T25:00:00Z', '0');
  if (s.enum || p.name === 'status' || p.name === 'sort' || p.name === 'stage') values.push('no_such_value');
  if (s.format === 'uuid' || /Id$/.test(p.name)) values.push('not-a-uuid', '123');
  return values;
}

/** Bad query strings: a bad value for a declared parameter, the parameter repeated, or an unknown parameter. */
export function badQueries(params: Parameter[]): fc.Arbitrary<BadCase> {
  const declared = params.filter((p) => p.in === 'query');
  const unknown = fc
    .stringMatching(/^[a-z][a-zA-Z]{0,10}$/)
    .filter((name) => !declared.some((p) => p.name === name))
    .map<BadCase>((name) => ({ label: `an unknown query parameter ${name}`, query: `${name}=1`, field: name, refused: true }));
  if (!declared.length) return unknown;
  const bad = fc.constantFrom(...declared).chain((p) =>
    fc.constantFrom(
      ...badQueryValues(p).map<BadCase>((v) => ({ label: `${p.name}=${v.slice(0, 40)}`, query: `${p.name}=${v}`, field: p.name, refused: !isMaybeValid(p, v) })),
      { label: `${p.name} given twice`, query: `${p.name}=1&${p.name}=2`, field: p.name, refused: true },
      { label: `${p.name}[]`, query: `${p.name}[a]=1`, field: `${p.name}[a]`, refused: true },
    ),
  );
  return fc.oneof(bad, bad, unknown);
}

/** A value that a free-text filter may take as a search that finds nothing (e.g. a long `note`). */
function isMaybeValid(p: Parameter, v: string): boolean {
  const freeText = p.schema?.type === 'string' && !p.schema.enum && !p.schema.format && !['cursor', 'status', 'sort', 'stage'].includes(p.name) && !/Id$|since|from|to$/i.test(p.name);
  return freeText && (v.length > 100 || v === '%ED%A0%80' || v === '%FF');
}

/** Bad path parameter values: not a UUID (or not a version number), and unknown. */
export function badPaths(params: Parameter[]): fc.Arbitrary<BadCase> | undefined {
  const declared = params.filter((p) => p.in === 'path');
  if (!declared.length) return undefined;
  return fc.constantFrom(...declared).chain((p) => {
    const notFound = p.name === 'version' ? ['99999'] : p.name === 'emailHash' ? ['0'.repeat(64)] : ['00000000-0000-4000-8000-000000000000'];
    const invalid = p.name === 'version' ? ['abc', '-1', '1.5', '0x10', '%00', '2147483648', '99999999999999999999'] : ['not-a-uuid', '123', '%00', '%FF', 'x'.repeat(300), '..%2F..', '00000000-0000-4000-8000-00000000000g'];
    return fc.constantFrom(
      ...notFound.map<BadCase>((v) => ({ label: `${p.name}=${v} (unknown)`, path: { [p.name]: v }, refused: true })),
      ...invalid.map<BadCase>((v) => ({ label: `${p.name}=${v.slice(0, 40)}`, path: { [p.name]: v }, field: p.name, refused: true })),
    );
  });
}
