import { Transform } from 'class-transformer';

/**
 * A query parameter that takes several values, sent comma-separated (`outcome=won,lost`), repeated
 * (`outcome=won&outcome=lost`, which the query parser hands over as an array) or both: read as one list, whose
 * values the field's validators then check one by one (`{ each: true }`). An empty item (`outcome=`, `won,`) is kept
 * as '' so that it is refused naming the parameter, not read as "no filter".
 */
export function QueryList(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => (value === undefined ? undefined : splitQueryList(value)));
}

export function splitQueryList(value: unknown): unknown[] {
  return (Array.isArray(value) ? value : [value]).flatMap((v) => (typeof v === 'string' ? v.split(',') : [v]));
}
