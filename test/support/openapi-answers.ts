import { Ajv, type ValidateFunction } from 'ajv';
import formats from 'ajv-formats';
import type { Response } from 'supertest';
import type { TestApp } from './test-app.js';

interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

/** ajv-formats is CommonJS: under Node's ESM loader its default export is the module object, whose `default` is the plugin. */
const addFormats = ((formats as unknown as { default?: typeof formats }).default ?? formats) as unknown as (ajv: Ajv) => Ajv;

/**
 * The app's served OpenAPI document, used to check live answers against it: the status must be one the
 * operation documents, the content type one listed for that status, and the body valid against its schema.
 */
export class OpenApiAnswers {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  private constructor(readonly doc: { paths: Record<string, Record<string, Operation>>; components: unknown }) {
    // The document's schemas are OpenAPI 3.0 Schema Objects: `nullable` is understood by Ajv, `example` is only annotation.
    this.ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, strictTypes: false });
    this.ajv.addKeyword('example');
    addFormats(this.ajv);
    this.ajv.addFormat('binary', true);
    this.ajv.addSchema({ $id: 'openapi.json', $defs: rebase((doc.components as { schemas?: object }).schemas ?? {}) });
  }

  static async load(t: TestApp): Promise<OpenApiAnswers> {
    const res = await t.http().get('/docs-json');
    if (res.status !== 200) throw new Error(`/docs-json answered ${res.status}`);
    return new OpenApiAnswers(res.body);
  }

  /** Why the answer does not match the document; empty when it does. */
  problems(res: Response, method: string, path: string): string[] {
    const op = this.doc.paths[path]?.[method];
    if (!op) return [`${method.toUpperCase()} ${path} is not in the document`];
    const answer = op.responses?.[String(res.status)];
    if (!answer) return [`${method.toUpperCase()} ${path} does not document status ${res.status} (body: ${res.text?.slice(0, 300)})`];
    const contentType = String(res.headers['content-type'] ?? '').split(';')[0].trim();
    if (!answer.content) return contentType && res.text ? [`${res.status} is documented without a body, got ${contentType}`] : [];
    const media = answer.content[contentType];
    if (!media) return [`${res.status} is documented as ${Object.keys(answer.content).join(', ')}, got ${contentType || 'no content type'}`];
    if (!media.schema) return [`${res.status} ${contentType} has no schema`];
    const pointer = ['paths', path, method, 'responses', String(res.status), 'content', contentType, 'schema'].map(escapePointer).join('/');
    const validate = this.validator(pointer, media.schema);
    const body: unknown = contentType.endsWith('json') ? res.body : res.text;
    if (validate(body)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message}${e.params ? ' ' + JSON.stringify(e.params) : ''}`);
  }

  /** Why `value` is not valid against the document's component schema `name` (e.g. a webhook's data); empty when it is. */
  schemaProblems(name: string, value: unknown): string[] {
    const validate = this.validator(`components/${name}`, { $ref: `#/components/schemas/${name}` });
    if (validate(value)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath || '(value)'} ${e.message}${e.params ? ' ' + JSON.stringify(e.params) : ''}`);
  }

  /** Fails the test, naming what differs, unless the answer matches the document. */
  expect(res: Response, method: string, path: string): void {
    const problems = this.problems(res, method, path);
    if (problems.length) throw new Error(`${method.toUpperCase()} ${path} → ${res.status} does not match the OpenAPI document:\n  ${problems.join('\n  ')}`);
  }

  private validator(pointer: string, schema: unknown): ValidateFunction {
    let validate = this.compiled.get(pointer);
    if (!validate) {
      // The schema's $refs point at the document's components, added above as one schema.
      validate = this.ajv.compile(rebase(schema));
      this.compiled.set(pointer, validate);
    }
    return validate;
  }
}

/** Points the document's refs (#/components/schemas/…) at the schema holding its components. */
function rebase(schema: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', '"openapi.json#/$defs/'));
}

function escapePointer(part: string): string {
  return part.replaceAll('~', '~0').replaceAll('/', '~1');
}
