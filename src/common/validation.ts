import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainError, FieldError } from './domain-error.js';
import { NULL_REFUSED } from './validators/null-input.js';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const field = parent ? (/^\d+$/.test(e.property) ? `${parent}[${e.property}]` : `${parent}.${e.property}`) : e.property;
    // A null the field does not take fails its type checks ("must be a string", "must be longer than…"): say why once.
    const nullRefused = e.value === null && e.constraints && !e.constraints.whitelistValidation;
    for (const message of nullRefused ? [NULL_REFUSED] : Object.values(e.constraints ?? {})) {
      out.push({ field, message: message.replace(/^property (\S+) should not exist$/, 'is not a known field') });
    }
    if (e.children?.length) out.push(...flatten(e.children, field));
  }
  return out;
}

/**
 * Path parameters reach their own pipe (UuidPipe, VersionPipe) as the text of the path: the validation pipe would
 * otherwise turn one typed `number` into Number(text) first, reading `1e3` as version 1000 and ` 1` as 1.
 */
class ApiValidationPipe extends ValidationPipe {
  protected override transformPrimitive(value: unknown, metadata: ArgumentMetadata): unknown {
    return metadata.type === 'param' ? value : super.transformPrimitive(value, metadata);
  }

  /**
   * A body the route reads as an object (a DTO class) that is JSON `null`: refused naming `body`. Nest would read it as
   * `{}`, so a PATCH of `null` answered 200 having changed nothing, where a null is refused everywhere else it is not
   * the documented way to clear a value. A request without a body is not this: Fastify gives it no body at all.
   */
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && value === null && metadata.metatype && this.toValidate(metadata)) {
      throw DomainError.validation([{ field: 'body', message: 'must be a JSON object, not null' }], 'body: must be a JSON object, not null');
    }
    return super.transform(value, metadata);
  }
}

/** Validates every body and query against its DTO; unknown fields are refused, naming the field. */
export function createValidationPipe(): ValidationPipe {
  return new ApiValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    exceptionFactory: (errors) => {
      const fields = flatten(errors);
      const detail = fields.map((f) => `${f.field}: ${f.message}`).join('; ');
      return DomainError.validation(fields, detail || 'The request is invalid.');
    },
  });
}
