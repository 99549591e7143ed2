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
  /** The resource existed and is gone for good (an erased lead). */
  Gone = 'gone',
}

export interface FieldError {
  field: string;
  message: string;
}

export const LEAD_ERASED_MESSAGE = 'names a lead that was erased (GDPR); it takes no new data';

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly errors?: FieldError[],
    /** A machine-readable word for why, beside the code (a `reason` member of the problem), e.g. `goal_already_met`. */
    readonly reason?: string,
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

  /** An erased lead (GDPR): it exists as an anonymous skeleton and takes no new personal data. */
  static leadErased(id: string, field = 'leadId'): DomainError {
    return new DomainError(ErrorCode.Gone, `Lead ${id} was erased (GDPR) and takes no new data.`, [{ field, message: LEAD_ERASED_MESSAGE }]);
  }

  static conflict(message: string, reason?: string): DomainError {
    return new DomainError(ErrorCode.Conflict, message, undefined, reason);
  }
}
