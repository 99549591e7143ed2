import { quoteText, ServerStatement, sqlLiteral } from './simple-protocol.js';

describe('simple-protocol literals', () => {
  it('doubles quotes, and switches to the E form (doubled backslashes) only when a backslash is present', () => {
    expect(quoteText("it's")).toBe("'it''s'");
    expect(quoteText('a\\b')).toBe(" E'a\\\\b'");
    expect(quoteText("a\\'b")).toBe(" E'a\\\\''b'");
  });

  it('writes arrays in the array text format, quoting each element and keeping NULL apart from "NULL"', () => {
    expect(sqlLiteral(['a', 'b"c', null, 'NULL', 'x\\y', 'o,{}'])).toBe(` E'{"a","b\\\\"c",NULL,"NULL","x\\\\\\\\y","o,{}"}'`);
    expect(sqlLiteral([])).toBe("'{}'");
  });

  it('writes scalars as node-pg sends them: dates in ISO form, numbers and booleans as text, null as NULL', () => {
    expect(sqlLiteral(new Date('2026-03-02T10:00:00.123Z'))).toBe("'2026-03-02T10:00:00.123Z'");
    expect(sqlLiteral(2.5)).toBe("'2.5'");
    expect(sqlLiteral(false)).toBe("'false'");
    expect(sqlLiteral(null)).toBe('NULL');
    expect(sqlLiteral(undefined)).toBe('NULL');
  });

  it('names a statement by its text and executes it with literal arguments', () => {
    const a = new ServerStatement('SELECT $1::int');
    expect(a.name).toBe(new ServerStatement('SELECT $1::int').name);
    expect(a.name).not.toBe(new ServerStatement('SELECT $1::bigint').name);
    expect(a.name).toMatch(/^sp_[0-9a-f]{16}$/);
    expect(a.execute([1, null])).toBe(`EXECUTE ${a.name}('1', NULL)`);
    expect(a.execute([])).toBe(`EXECUTE ${a.name}`);
  });
});
