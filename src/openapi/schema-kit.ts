/**
 * Building blocks of the hand-written response schemas (OpenAPI 3.0 Schema Objects). The controllers return
 * plain objects, so Nest's scanner cannot see their shape; the *.schemas.ts files beside this one describe
 * them from the services' return types.
 */
export type Schema = Record<string, unknown>;

export const str: Schema = { type: 'string' };
export const nstr: Schema = { type: 'string', nullable: true };
export const uuid: Schema = { type: 'string', format: 'uuid' };
export const nuuid: Schema = { type: 'string', format: 'uuid', nullable: true };
export const time: Schema = { type: 'string', format: 'date-time' };
export const ntime: Schema = { type: 'string', format: 'date-time', nullable: true };
export const int: Schema = { type: 'integer' };
export const nint: Schema = { type: 'integer', nullable: true };
export const num: Schema = { type: 'number' };
export const nnum: Schema = { type: 'number', nullable: true };
export const bool: Schema = { type: 'boolean' };
export const obj: Schema = { type: 'object', additionalProperties: true };
export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
export const arr = (items: Schema): Schema => ({ type: 'array', items });
/**
 * A string that is one of the values of a constant list of the code (import the list; don't copy it). With
 * `nullable: true`, null is listed among the values too: in OpenAPI 3.0 `nullable` does not widen an `enum`.
 */
export const enumOf = (values: readonly string[], more: Schema = {}): Schema => ({
  type: 'string',
  enum: more.nullable === true ? [...values, null] : [...values],
  ...more,
});
/** An object whose listed properties are all required unless named in `optional`. */
export const o = (properties: Record<string, Schema>, optional: string[] = []): Schema => ({
  type: 'object',
  required: Object.keys(properties).filter((k) => !optional.includes(k)),
  properties,
});
/** The same schema, or null. */
export const orNull = (schema: Schema): Schema => ({ ...schema, nullable: true });
/** `{items, nextCursor}` of a list endpoint. */
export const page = (item: string): Schema => o({ items: arr(ref(item)), nextCursor: nstr });
