/**
 * The message of a refused null, wherever a request body is read: by the validation pipe for DTOs (see
 * validators/null-input.ts) and by the hand-written parsers (events, template variants, the scoring model).
 * A file of its own, so that domain code used by worker processes can say it without loading class-validator.
 */
export const NULL_REFUSED = 'must not be null; leave the field out instead';
