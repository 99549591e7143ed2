import { registerDecorator, ValidationOptions } from 'class-validator';
import { isTimestamp } from '../timestamp.js';

/** An ISO-8601 timestamp with a UTC offset, such as 2026-03-02T10:00:00+01:00, of an instant that exists. */
export function IsTimestamp(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isTimestamp',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must be an ISO-8601 timestamp with offset, such as 2026-03-02T10:00:00+01:00`, ...options },
      validator: { validate: (v: unknown) => isTimestamp(v) },
    });
}
