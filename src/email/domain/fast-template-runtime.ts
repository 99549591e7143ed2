/** What compiled fast templates run on: values, Handlebars' property lookup, and how parts are joined. */

/** A compiled expression or program: its value in a context (Handlebars' `depth0`). */
export type Evaluate = (context: any) => unknown;
const hasOwn = Object.prototype.hasOwnProperty;
/** What Handlebars passes as `this` to helpers when the context is null or undefined. */
export const NULL_CONTEXT = Object.seal({});
export const noop = () => '';
export const EMPTY_HASH: Record<string, unknown> = Object.freeze({});

/**
 * Handlebars' runtime `lookupProperty` with its default prototype-access policy: own properties only (and
 * never a prototype's own `constructor`); everything else reads as undefined.
 */
export function lookupProperty(parent: any, name: string): unknown {
  const result = parent[name];
  if (result == null) return result;
  if (hasOwn.call(parent, name) && !(name === 'constructor' && typeof result === 'function' && parent === result.prototype)) {
    return result;
  }
  return undefined;
}

/** `(v = value) != null ? v : ""`, what Handlebars appends for unescaped output and block results. */
export function orEmpty(value: Evaluate): Evaluate {
  return (context) => {
    const v = value(context);
    return v != null ? v : '';
  };
}

/** Joins a program's parts with `+` from the left; an empty program is "". */
export function join(parts: (string | Evaluate)[]): Evaluate {
  if (parts.length === 0) return noop;
  if (parts.length === 1) {
    const [only] = parts;
    return typeof only === 'string' ? () => only : only;
  }
  const n = parts.length;
  const statics: (string | null)[] = parts.map((p) => (typeof p === 'string' ? p : null));
  const dynamics: (Evaluate | null)[] = parts.map((p) => (typeof p === 'string' ? null : p));
  return (context) => {
    let out: any = statics[0] ?? dynamics[0]!(context);
    for (let i = 1; i < n; i++) {
      const s = statics[i];
      out = out + (s !== null ? s : dynamics[i]!(context));
    }
    return out;
  };
}
