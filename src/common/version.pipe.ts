import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { DomainError } from './domain-error.js';

/** The largest value of a PostgreSQL integer column, where version numbers are kept. */
export const MAX_INT4 = 2_147_483_647;

/**
 * A path parameter that is a version number: digits only, 1 to MAX_INT4. Anything else (`abc`, `1.5`, `0`,
 * a number past int4) is refused naming the parameter, never read as another version or handed to SQL.
 */
@Injectable()
export class VersionPipe implements PipeTransform<string, number> {
  transform(value: string, meta: ArgumentMetadata): number {
    const n = /^[0-9]{1,10}$/.test(value) ? Number(value) : NaN;
    if (!(n >= 1 && n <= MAX_INT4)) throw DomainError.invalidField(meta.data ?? 'version', `must be a whole number from 1 to ${MAX_INT4}`);
    return n;
  }
}
