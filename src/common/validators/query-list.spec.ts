import { plainToInstance } from 'class-transformer';
import { IsIn, IsOptional, validateSync } from 'class-validator';
import { QueryList, splitQueryList } from './query-list.js';

class Filter {
  @IsOptional()
  @QueryList()
  @IsIn(['a', 'b', 'c'], { each: true })
  pick?: string[];
}

/** What the validation pipe makes of the parsed query: the list, and the fields refused. */
function read(query: Record<string, unknown>): { pick: unknown; refused: string[] } {
  const filter = plainToInstance(Filter, query);
  return { pick: filter.pick, refused: validateSync(filter).map((e) => e.property) };
}

describe('a query parameter of several values (QueryList)', () => {
  it('reads comma-separated values, repeated ones, and both, as one list', () => {
    expect(read({ pick: 'a' })).toEqual({ pick: ['a'], refused: [] });
    expect(read({ pick: 'a,b' })).toEqual({ pick: ['a', 'b'], refused: [] });
    expect(read({ pick: ['a', 'b'] })).toEqual({ pick: ['a', 'b'], refused: [] });
    expect(read({ pick: ['a,b', 'c'] })).toEqual({ pick: ['a', 'b', 'c'], refused: [] });
    expect(read({})).toEqual({ pick: undefined, refused: [] });
  });

  it('keeps an empty item, so that it is refused rather than read as no filter', () => {
    expect(splitQueryList('')).toEqual(['']);
    expect(splitQueryList('a,')).toEqual(['a', '']);
    for (const pick of ['', 'a,', ',a', 'a,,b', 'A', 'a;b', ['a', '']]) expect(read({ pick }).refused).toEqual(['pick']);
  });
});
