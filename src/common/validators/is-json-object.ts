import { registerDecorator, ValidationOptions } from 'class-validator';

/** A plain JSON object with at most `maxKeys` keys and at most `maxBytes` when serialised. */
export function IsJsonObject(maxKeys = 100, maxBytes = 16_384, options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isJsonObject',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must be an object with at most ${maxKeys} keys and ${maxBytes} bytes`, ...options },
      validator: {
        validate: (v: unknown) =>
          typeof v === 'object' &&
          v !== null &&
          !Array.isArray(v) &&
          Object.keys(v).length <= maxKeys &&
          JSON.stringify(v).length <= maxBytes,
      },
    });
}
