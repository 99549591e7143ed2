/**
 * Errors raised by domain and application code. They carry a code, never an HTTP status;
 * the one problem+json filter maps codes to transport errors.
 */
export enum ErrorCode {
  Validation = 'validation',
  NotFound = 'not_found',
  Conflict = 'conflict',
  Unauthenticated = 'unauthenticated',
  Forbidden = 'forbidden',
  PayloadTooLarge = 'payload_too_large',
  Unprocessable = 'unprocessable',
}

export interface FieldError {
  field: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly errors?: FieldError[],
  ) {
    super(message);
    this.name = 'DomainError';
  }

  static validation(errors: FieldError[], message = 'The request has invalid fields.'): DomainError {
    return new DomainError(ErrorCode.Validation, message, errors);
  }

  static invalidField(field: string, message: string): DomainError {
    return new DomainError(ErrorCode.Validation, `${field}: ${message}`, [{ field, message }]);
  }

  static notFound(what: string, id: string): DomainError {
    return new DomainError(ErrorCode.NotFound, `${what} ${id} does not exist.`);
  }

  static conflict(message: string): DomainError {
    return new DomainError(ErrorCode.Conflict, message);
  }
}
