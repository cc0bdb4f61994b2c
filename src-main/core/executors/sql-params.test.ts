import { describe, expect, it } from 'vitest'
import {
  bindNamedParams,
  characterPositionToOffset,
  lineAndColumn,
  psqlMetaCommand,
  splitSqlScript,
  SqlParamError,
  transactionControl,
} from './sql-params'

describe('bindNamedParams', () => {
  it('numbers params in order of first use and reuses the number of a repeated name', () => {
    const bound = bindNamedParams('SELECT * FROM t WHERE a = :a AND b IN (:b, :a) AND c > :c', { a: 1, b: 'x', c: true })
    expect(bound.text).toBe('SELECT * FROM t WHERE a = $1 AND b IN ($2, $1) AND c > $3')
    expect(bound.values).toEqual([1, 'x', true])
    expect(bound.names).toEqual(['a', 'b', 'c'])
  })

  it('binds params next to operators and parentheses', () => {
    expect(bindNamedParams('SELECT :a+:b,(:c)', { a: 1, b: 2, c: 3 }).text).toBe('SELECT $1+$2,($3)')
    expect(bindNamedParams('x=:a', { a: 1 }).text).toBe('x=$1')
  })

  it('leaves casts and := alone', () => {
    const bound = bindNamedParams("SELECT :id::int, '1'::text, f(x := :v), a::\"MyType\"", { id: 5, v: 'q' })
    expect(bound.text).toBe("SELECT $1::int, '1'::text, f(x := $2), a::\"MyType\"")
    expect(bound.values).toEqual([5, 'q'])
  })

  it('leaves string literals alone, with doubled quotes inside', () => {
    const sql = "SELECT 'at :a', 'it''s :a', :a, '' , ':a'"
    expect(bindNamedParams(sql, { a: 1 }).text).toBe("SELECT 'at :a', 'it''s :a', $1, '' , ':a'")
  })

  it('reads E-strings with backslash escapes', () => {
    const sql = "SELECT E'it\\'s :a', e'\\\\', :a, E'x'':a'"
    expect(bindNamedParams(sql, { a: 1 }).text).toBe("SELECT E'it\\'s :a', e'\\\\', $1, E'x'':a'")
  })

  it('treats a backslash in a plain string as an ordinary character (standard_conforming_strings)', () => {
    expect(bindNamedParams("SELECT 'C:\\', :a", { a: 1 }).text).toBe("SELECT 'C:\\', $1")
  })

  it('leaves quoted identifiers alone', () => {
    expect(bindNamedParams('SELECT "col:a", "we""ird:a" FROM t WHERE x = :a', { a: 1 }).text).toBe(
      'SELECT "col:a", "we""ird:a" FROM t WHERE x = $1',
    )
  })

  it('leaves dollar-quoted bodies alone, tagged or not', () => {
    const sql = 'DO $$ BEGIN PERFORM :a; END $$; SELECT $fn$ :a $$ still inside $fn$, :a, $_x1$:a$_x1$'
    expect(bindNamedParams(sql, { a: 1 }).text).toBe(
      'DO $$ BEGIN PERFORM :a; END $$; SELECT $fn$ :a $$ still inside $fn$, $1, $_x1$:a$_x1$',
    )
  })

  it('does not take a $ inside an identifier for a dollar quote', () => {
    expect(bindNamedParams('SELECT a$b$c, :a, x$$', { a: 1 }).text).toBe('SELECT a$b$c, $1, x$$')
  })

  it('leaves comments alone, nested block comments included', () => {
    const sql = 'SELECT :a -- not :b\n, /* :b /* nested :b */ still :b */ :c'
    expect(bindNamedParams(sql, { a: 1, c: 2 }).text).toBe('SELECT $1 -- not :b\n, /* :b /* nested :b */ still :b */ $2')
  })

  it('ends a -- comment at a carriage return alone, as PostgreSQL does', () => {
    expect(bindNamedParams('SELECT 1 AS x -- note :b\r, :a', { a: 1 }).text).toBe('SELECT 1 AS x -- note :b\r, $1')
  })

  it('reads :a$b as one name, as PostgreSQL reads one identifier there, and opens no dollar quote in it', () => {
    expect(() => bindNamedParams('SELECT :a$b$c', { a: 1 })).toThrow(new SqlParamError("unknown param :a$b$c; this run's params: a"))
    expect(() => bindNamedParams('SELECT :aé', { a: 1 })).toThrow(/^unknown param :aé;/)
  })

  it('needs a name right after the colon (array slices stay slices)', () => {
    expect(bindNamedParams('SELECT arr[1:2], arr[lo: hi], :a', { a: 1 }).text).toBe('SELECT arr[1:2], arr[lo: hi], $1')
  })

  it('binds hyphenated param names only when the run has one', () => {
    expect(bindNamedParams('SELECT :batch-id', { 'batch-id': 7 }).text).toBe('SELECT $1')
    expect(bindNamedParams('SELECT :n-1', { n: 5 }).text).toBe('SELECT $1-1')
    expect(bindNamedParams('SELECT :a-b-c', { 'a-b': 1 }).text).toBe('SELECT $1-c')
    expect(bindNamedParams('SELECT :n--comment :x\n', { n: 1 }).text).toBe('SELECT $1--comment :x\n')
  })

  it('names an unknown param and lists the run params', () => {
    expect(() => bindNamedParams('SELECT :dealer', { dealer_id: 1, since: 'x' })).toThrow(
      new SqlParamError("unknown param :dealer; this run's params: dealer_id, since"),
    )
    expect(() => bindNamedParams('SELECT :x', {})).toThrow('unknown param :x; this run has no params')
  })

  it('refuses positional $n params', () => {
    expect(() => bindNamedParams('SELECT $1', {})).toThrow(/positional parameter \$1 is not supported/)
    expect(bindNamedParams("SELECT '$1', $q$ $1 $q$", {}).text).toBe("SELECT '$1', $q$ $1 $q$")
  })

  it('does not treat inherited object keys as params', () => {
    expect(() => bindNamedParams('SELECT :constructor', {})).toThrow(/unknown param :constructor/)
  })

  it('maps offsets in the bound text back to the original', () => {
    const sql = 'SELECT :long_name, :b, nope'
    const bound = bindNamedParams(sql, { long_name: 1, b: 2 })
    expect(bound.text).toBe('SELECT $1, $2, nope')
    expect(bound.originalOffset(bound.text.indexOf('nope'))).toBe(sql.indexOf('nope'))
    expect(bound.originalOffset(bound.text.indexOf('$2'))).toBe(sql.indexOf(':b'))
    expect(bound.originalOffset(bound.text.indexOf('$2') + 1)).toBe(sql.indexOf(':b'))
    expect(bound.originalOffset(3)).toBe(3)
  })

  it('leaves text without params as it is', () => {
    const sql = "SELECT 1; -- ok\n/* x */ SELECT 'a'"
    expect(bindNamedParams(sql, { a: 1 })).toMatchObject({ text: sql, values: [], names: [] })
  })
})

describe('splitSqlScript', () => {
  const texts = (script: string): string[] => splitSqlScript(script).map((s) => s.text)

  it('splits on top-level semicolons and drops empty statements', () => {
    expect(texts('CREATE TABLE t (a int);\nINSERT INTO t VALUES (1);;\n  ;\nSELECT * FROM t')).toEqual([
      'CREATE TABLE t (a int)',
      'INSERT INTO t VALUES (1)',
      'SELECT * FROM t',
    ])
  })

  it('does not split inside strings, identifiers, dollar quotes or comments', () => {
    const script = [
      "INSERT INTO t VALUES ('a;b', E'c\\';d', 'it''s;')",
      'SELECT "semi;colon" FROM t',
      '-- a comment; with a semicolon\nSELECT 1 /* also; here /* nested; */ ; */',
      `CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$
BEGIN
  PERFORM 1;
  RETURN 2;
END
$body$`,
      'DO $$ BEGIN RAISE NOTICE $q$;$q$; END $$',
    ].join(';\n')
    expect(texts(script)).toEqual([
      "INSERT INTO t VALUES ('a;b', E'c\\';d', 'it''s;')",
      'SELECT "semi;colon" FROM t',
      '-- a comment; with a semicolon\nSELECT 1 /* also; here /* nested; */ ; */',
      `CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$
BEGIN
  PERFORM 1;
  RETURN 2;
END
$body$`,
      'DO $$ BEGIN RAISE NOTICE $q$;$q$; END $$',
    ])
  })

  it('keeps SQL-standard function bodies (BEGIN ATOMIC ... END) whole, CASE ... END inside', () => {
    const fn = `CREATE OR REPLACE FUNCTION g(x int) RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END;
  SELECT 2;
END`
    expect(texts(`${fn};\nSELECT g(1);`)).toEqual([fn, 'SELECT g(1)'])
  })

  it('does not track BEGIN ... END outside routine definitions', () => {
    expect(texts('SELECT CASE WHEN true THEN 1 END; SELECT 2')).toEqual(['SELECT CASE WHEN true THEN 1 END', 'SELECT 2'])
  })

  it('does not split inside parentheses (CREATE RULE ... DO (...; ...))', () => {
    const rule = 'CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2))'
    expect(texts(`${rule}; SELECT 1`)).toEqual([rule, 'SELECT 1'])
  })

  it('drops statements that are only comments, and keeps a leading comment with its statement', () => {
    expect(texts('-- header\n/* block */\n;\n-- step 2\nUPDATE t SET a = 1;\n-- trailing\n')).toEqual([
      '-- step 2\nUPDATE t SET a = 1',
    ])
  })

  it('gives each statement its first line of code and where the text starts', () => {
    expect(splitSqlScript('SELECT 1; SELECT 2').map((p) => p.head)).toEqual(['SELECT 1', 'SELECT 2'])
    const script = 'CREATE TABLE t (a int);\n\n-- step two\nINSERT INTO t\n  VALUES (1);\n  SELECT 1'
    const parts = splitSqlScript(script)
    expect(parts.map((p) => [p.line, p.head])).toEqual([
      [1, 'CREATE TABLE t (a int)'],
      [4, 'INSERT INTO t'],
      [6, 'SELECT 1'],
    ])
    for (const part of parts) expect(script.slice(part.offset, part.offset + part.text.length)).toBe(part.text)
  })

  it('takes an unterminated quote or comment to the end (the server reports it)', () => {
    expect(texts("SELECT 'open; SELECT 2")).toEqual(["SELECT 'open; SELECT 2"])
    expect(texts('SELECT 1 /* open; SELECT 2')).toEqual(['SELECT 1 /* open; SELECT 2'])
    expect(texts('SELECT $$ open; SELECT 2')).toEqual(['SELECT $$ open; SELECT 2'])
  })

  it('returns nothing for an empty or comment-only script', () => {
    expect(splitSqlScript('')).toEqual([])
    expect(splitSqlScript('  \n -- nothing\n /* here */ ;')).toEqual([])
  })

  it('splits after a -- comment that a carriage return alone ends', () => {
    expect(texts('SELECT 1 -- one\r; SELECT 2')).toEqual(['SELECT 1 -- one', 'SELECT 2'])
  })

  it('does not take $b$ after :a for a dollar quote', () => {
    expect(texts('SELECT :a$b$c; SELECT 2')).toEqual(['SELECT :a$b$c', 'SELECT 2'])
  })

  it('handles CRLF line endings', () => {
    const parts = splitSqlScript('SELECT 1;\r\nSELECT 2;\r\n')
    expect(parts.map((p) => [p.text, p.line])).toEqual([
      ['SELECT 1', 1],
      ['SELECT 2', 2],
    ])
  })
})

describe('transactionControl', () => {
  it('finds statements that would end the job transaction', () => {
    expect(transactionControl('BEGIN')).toBe('BEGIN')
    expect(transactionControl('begin transaction isolation level serializable')).toBe('BEGIN')
    expect(transactionControl('-- done\nCOMMIT')).toBe('COMMIT')
    expect(transactionControl('end')).toBe('END')
    expect(transactionControl('ABORT')).toBe('ABORT')
    expect(transactionControl('START TRANSACTION')).toBe('START TRANSACTION')
    expect(transactionControl('ROLLBACK')).toBe('ROLLBACK')
    expect(transactionControl('rollback work')).toBe('ROLLBACK')
    expect(transactionControl("PREPARE TRANSACTION 'x'")).toBe('PREPARE TRANSACTION')
  })

  it('allows savepoints and everything else', () => {
    expect(transactionControl('ROLLBACK TO SAVEPOINT s')).toBeNull()
    expect(transactionControl('ROLLBACK TRANSACTION TO s')).toBeNull()
    expect(transactionControl('SAVEPOINT s')).toBeNull()
    expect(transactionControl('RELEASE SAVEPOINT s')).toBeNull()
    expect(transactionControl('PREPARE q AS SELECT 1')).toBeNull()
    expect(transactionControl('DO $$ BEGIN COMMIT; END $$')).toBeNull()
    expect(transactionControl('SELECT 1')).toBeNull()
    expect(transactionControl("UPDATE t SET s = 'BEGIN'")).toBeNull()
  })
})

describe('psqlMetaCommand', () => {
  it('finds the psql meta-command a statement holds', () => {
    expect(psqlMetaCommand("\\copy t FROM 'data.csv' CSV")).toBe('\\copy')
    expect(psqlMetaCommand('-- vars\n\\set x 1\nSELECT :x')).toBe('\\set')
    expect(psqlMetaCommand("SELECT format('VACUUM %I', relname) FROM pg_class \\gexec")).toBe('\\gexec')
    expect(psqlMetaCommand('\\! ls')).toBe('\\!')
  })

  it('does not take a backslash in a string, an identifier, a dollar quote or a comment for one', () => {
    expect(psqlMetaCommand("SELECT 'C:\\dir\\', E'\\n', \"a\\b\", $$ \\set $$ -- \\gexec\n/* \\copy */")).toBeNull()
  })
})

describe('positions', () => {
  it('converts a 1-based character position (code points) to a UTF-16 offset', () => {
    expect(characterPositionToOffset('abc', 1)).toBe(0)
    expect(characterPositionToOffset('abc', 3)).toBe(2)
    expect(characterPositionToOffset("'😀' x", 5)).toBe(5)
  })

  it('gives 1-based line and column', () => {
    expect(lineAndColumn('ab\ncd', 0)).toEqual({ line: 1, column: 1 })
    expect(lineAndColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 })
  })
})
