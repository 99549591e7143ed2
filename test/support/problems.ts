import { expect } from '@jest/globals';

/** A problem answer (application/problem+json) with this status, naming exactly these fields. */
export function expectRefused(res: { status: number; headers: Record<string, string>; body: { errors?: { field: string }[] } }, fields: string[], status = 422): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toContain('application/problem+json');
  expect(res.body.errors?.map((e) => e.field)).toEqual(fields);
}
