import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Every TypeScript source file under src/, as [path relative to src, text]. */
function sources(): [string, string][] {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const out: [string, string][] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) out.push([relative(root, path), readFileSync(path, 'utf8')]);
    }
  };
  walk(root);
  return out;
}

/**
 * What a null in a request body means is said per field (see null-input.ts). These guard the next DTO: a bare
 * `@IsOptional()` lets null through unchecked, and so does a `PartialType` without `skipNullProperties: false`.
 * Query DTOs (`*.query.ts`, and the cursor/limit they share) keep `@IsOptional()`: a query string has no null.
 */
describe('null in request bodies', () => {
  const files = sources();

  it('finds the DTOs it checks', () => {
    expect(files.filter(([path]) => path.endsWith('.dto.ts')).length).toBeGreaterThan(10);
  });

  it('body DTOs say what null means with @IsOmittable or @IsNullable, never a bare @IsOptional', () => {
    const bare = files
      .filter(([path]) => !path.endsWith('.query.ts') && !['common/pagination.ts', 'common/validators/null-input.ts'].includes(path))
      .filter(([, text]) => /@IsOptional\(/.test(text))
      .map(([path]) => path);
    expect(bare).toEqual([]);
  });

  it('update DTOs derived with PartialType keep null refused', () => {
    const calls = files.flatMap(([path, text]) => [...text.matchAll(/PartialType\(([^()]*(?:\([^()]*\))?[^()]*)\)/g)].map((m) => ({ path, args: m[1] })));
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.filter((c) => !/skipNullProperties:\s*false/.test(c.args))).toEqual([]);
  });
});
