import { registerDecorator } from 'class-validator';
import { isEmailAddress } from '../email.util.js';

export function IsLeadEmail() {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isLeadEmail',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must be an email address` },
      validator: { validate: (v: unknown) => isEmailAddress(v) },
    });
}
