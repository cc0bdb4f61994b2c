// Our SQL lexing (sql-params.ts) against PostgreSQL's own scanner and parser (libpg-query): on the
// test corpus, the hard cases and generated scripts, both must find the same statements, the same
// colons outside strings and comments (where `:name` params are) and the same `$n` params.
// A longer hunt: ORACLE_RUNS=5000 npx vitest run src-main/core/executors/sql-params.oracle.test.ts
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { codeSpan, loadPostgresScanner, scannerView, scanTokens, type ScannerView } from '../test-support/postgres-scanner'
import { splitSqlScript, tokenizeSql } from './sql-params'

beforeAll(async () => {
  await loadPostgresScanner()
})

/** Our reading of `text`, in the scanner view's terms (statements measured on the scanner's tokens). */
function ourView(text: string): ScannerView {
  const tokens = tokenizeSql(text)
  const scanned = scanTokens(text) ?? []
  return {
    colons: tokens.filter((t) => t.kind === 'param' || (t.kind === 'other' && text[t.start] === ':')).map((t) => t.start),
    positionals: tokens.filter((t) => t.kind === 'positional').map((t) => t.start),
    statements: splitSqlScript(text).map((s) => codeSpan(scanned, s.offset, s.offset + s.text.length)),
  }
}

/**
 * Asserts agreement; returns whether the parser took part (it refuses scripts with syntax errors).
 * Text the scanner refuses (an unterminated quote) fails, unless `scannerMayRefuse`.
 */
function expectAgreement(text: string, scannerMayRefuse = false): boolean {
  const server = scannerView(text)
  if (!scannerMayRefuse) expect(server, `the scanner refuses ${JSON.stringify(text)}`).not.toBeNull()
  if (server === null) return false
  const ours = ourView(text)
  expect({ colons: ours.colons, positionals: ours.positionals }, JSON.stringify(text)).toEqual({
    colons: server.colons,
    positionals: server.positionals,
  })
  if (server.statements !== null) expect(ours.statements, JSON.stringify(text)).toEqual(server.statements)
  return server.statements !== null
}

/** The SQL of sql-params.test.ts and sql.test.ts that the scanner accepts. */
const CORPUS = [
  'SELECT * FROM t WHERE a = :a AND b IN (:b, :a) AND c > :c',
  'SELECT :a+:b,(:c)',
  'x=:a',
  "SELECT :id::int, '1'::text, f(x := :v), a::\"MyType\"",
  "SELECT 'at :a', 'it''s :a', :a, '' , ':a'",
  "SELECT E'it\\'s :a', e'\\\\', :a, E'x'':a'",
  "SELECT 'C:\\', :a",
  'SELECT "col:a", "we""ird:a" FROM t WHERE x = :a',
  'DO $$ BEGIN PERFORM :a; END $$; SELECT $fn$ :a $$ still inside $fn$, :a, $_x1$:a$_x1$',
  'SELECT a$b$c, :a, x$$',
  'SELECT :a -- not :b\n, /* :b /* nested :b */ still :b */ :c',
  'SELECT arr[1:2], arr[lo: hi], :a',
  'SELECT :batch-id',
  'SELECT :n-1',
  'SELECT :a-b-c',
  'SELECT :n--comment :x\n',
  'SELECT $1',
  "SELECT '$1', $q$ $1 $q$",
  'SELECT :long_name, :b, nope',
  "SELECT 1; -- ok\n/* x */ SELECT 'a'",
  'CREATE TABLE t (a int);\nINSERT INTO t VALUES (1);;\n  ;\nSELECT * FROM t',
  [
    "INSERT INTO t VALUES ('a;b', E'c\\';d', 'it''s;')",
    'SELECT "semi;colon" FROM t',
    '-- a comment; with a semicolon\nSELECT 1 /* also; here /* nested; */ ; */',
    'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$\nBEGIN\n  PERFORM 1;\n  RETURN 2;\nEND\n$body$',
    'DO $$ BEGIN RAISE NOTICE $q$;$q$; END $$',
  ].join(';\n'),
  'CREATE OR REPLACE FUNCTION g(x int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END;\n  SELECT 2;\nEND;\nSELECT g(1);',
  'SELECT CASE WHEN true THEN 1 END; SELECT 2',
  'CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2)); SELECT 1',
  '-- header\n/* block */\n;\n-- step 2\nUPDATE t SET a = 1;\n-- trailing\n',
  'CREATE TABLE t (a int);\n\n-- step two\nINSERT INTO t\n  VALUES (1);\n  SELECT 1',
  '',
  '  \n -- nothing\n /* here */ ;',
  'SELECT 1;\r\nSELECT 2;\r\n',
  "INSERT INTO notes (dealer_id, body) VALUES (:dealer_id, :body), (:dealer_id, :body || '::2')",
  "SELECT n, 'r' || n AS label, n % 2 = 0 AS even, NULL::int AS nothing, '\\x00ff'::bytea AS raw FROM generate_series(1, :count) AS n",
  '-- fill\nINSERT INTO steps VALUES (1, :v);\nUPDATE steps SET v = v + 1 WHERE n = 1;\nCREATE TEMP TABLE tmp (x int);\n',
  'INSERT INTO steps VALUES (1, 1);\n\n-- the second step\nUPDATE steps\n   SET v = 2;\n/* the third step fails */\nINSERT INTO steps\n  VALUES (3, nope);',
  'SELECT :dealer_id AS d,\n       nope FROM notes',
  "DO $$ BEGIN RAISE NOTICE 'hello :x'; END $$;\nSELECT 1 / 0",
  "SET search_path TO nowhere; SELECT pg_advisory_lock(7)",
  "SHOW search_path; SELECT count(*)::int AS locks FROM pg_locks WHERE locktype = 'advisory'",
  'INSERT INTO steps VALUES (1, 1); COMMIT; INSERT INTO steps VALUES (2, 1)',
]

/** What a hand-written lexer gets wrong first. */
const HARD_CASES = [
  'SELECT $fn$ a $$ b; :x $$ c $fn$, :a; SELECT $_1$$_1$, :b',
  'SELECT 1 /* a /* b /* c; :x */ */ */, :a; /**/ SELECT 2 /* * / ; */',
  "SELECT E'it\\'s; :x', E'\\\\', :a, e'\\''''; SELECT 'a\\', :b",
  'SELECT U&"d\\0061t", U&"d!0061t" UESCAPE \'!\', U&\'\\0061:x;\', :a; SELECT 2',
  "SELECT u&'it''s; :x' UESCAPE '#', :a",
  'SELECT :a::int, (:a)::text[], x::"My:Type", f(y := :b, z => 1)',
  'SELECT (ARRAY[1,2,3])[1:2], (ARRAY[1,2,3])[:lo: :hi], (ARRAY[1,2])[2:]',
  'CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT :a; SELECT CASE WHEN x > 0 THEN 1 ELSE (SELECT CASE WHEN true THEN 2 END) END; END; SELECT :b',
  'CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (1); INSERT INTO t VALUES (2); END; CALL p()',
  'CREATE OR REPLACE RULE r AS ON UPDATE TO t DO INSTEAD (UPDATE a SET x = :x; DELETE FROM b); SELECT 1',
  "SET standard_conforming_strings = on; SELECT 'C:\\dir\\', :a",
  "SELECT b'0101', x'1F', n'it''s', :a",
  'SELECT é, "é:x", :a, 😀 AS "😀;"; SELECT :b',
  'SELECT a$b, :a, $1, $23; SELECT "$$", :b',
  'SELECT 1 -- comment :x ; \r, :a',
  'SELECT :a$b$c; SELECT 2',
  "SELECT 1 + -- a comment; :x\n:a, 2 -/* c */ :b",
  'SELECT :a\u00a0, x\u00a0:b',
]

// --- generated scripts ------------------------------------------------------------------------------

const chars = (alphabet: string[], maxLength = 12): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...alphabet), { maxLength }).map((parts) => parts.join(''))

/** Text that means something to a lexer somewhere: quotes, comment openers, `;`, `:name`, `$`. */
const TRICKY = ["'", '"', ';', ':', ':a', '::', ':=', '$', '$$', '$q$', '--', '/', '*', '\\', 'E', 'e', 'é', '😀', ' ', '\n', '\t', 'x', '1']

const stringLiteral = chars(TRICKY).map((s) => `'${s.replaceAll("'", "''")}'`)
const escapeString = fc
  .array(fc.constantFrom(...TRICKY.filter((c) => c !== '\\'), "\\'", '\\\\', '\\n', '\\;', '\\:'), { maxLength: 10 })
  .map((parts) => `E'${parts.map((p) => (p === "'" ? "''" : p)).join('')}'`)
const dollarString = fc
  .tuple(fc.constantFrom('', 'fn', 'q', '_x1', 'é'), chars([...TRICKY, '$fn', '$x$']))
  .filter(([tag, body]) => !`${body}$`.includes(`$${tag}$`))
  .map(([tag, body]) => `$${tag}$${body}$${tag}$`)
const quotedIdentifier = chars(TRICKY.filter((c) => c !== '\n'), 8)
  .filter((s) => s.length > 0)
  .map((s) => `"${s.replaceAll('"', '""')}"`)
const identifier = fc.constantFrom('t', 'x', 'a$b', 'a$b$c', 'é', '😀', '_x1', 'U&"d\\0061t"', 'U&"d!0061t" UESCAPE \'!\'')
const param = fc.constantFrom(':a', ':dealer_id', ':b2', ':batch-id', ':n-1', ':a$b$', ':é')
const blockComment: fc.Arbitrary<string> = fc.letrec<{ comment: string }>((tie) => ({
  comment: fc
    .array(fc.oneof({ weight: 3, arbitrary: chars(TRICKY.filter((c) => c !== '/' && c !== '*'), 6) }, { weight: 1, arbitrary: tie('comment') }), {
      maxLength: 3,
      depthIdentifier: 'comment',
    })
    .map((parts) => `/*${parts.join(' ')}*/`),
})).comment
const lineComment = fc
  .tuple(chars(TRICKY.filter((c) => c !== '\n'), 8), fc.constantFrom('\n', '\r\n', '\r'))
  .map(([body, end]) => `--${body}${end}`)
const gap = fc
  .array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(' ', '\n', '\t', '\r\n') }, lineComment, blockComment), { minLength: 1, maxLength: 3 })
  .map((parts) => parts.join(''))

/** `U&'…'`, `b'…'`, `x'…'`, `n'…'` and typed literals whose type name ends in e, n, b, x or u (`text'…'`). */
const prefixedString = fc
  .tuple(fc.constantFrom('U&', 'u&', 'b', 'B', 'x', 'X', 'n', 'N', 'text', 'ne', 'be', 'xe', 'ue'), stringLiteral)
  .map(([prefix, literal]) => (/^[bx]/i.test(prefix) && prefix.length === 1 ? `${prefix}'01'` : `${prefix}${literal}`))

const expression = fc.oneof(
  stringLiteral,
  prefixedString,
  escapeString,
  dollarString,
  param,
  identifier,
  fc.constantFrom('1', '2.5', ':a::int', "'1'::text", 'x::"My:Type"', 'f(y := :a)', 'f(y => 1)', '(ARRAY[1,2,3])[1:2]', '(ARRAY[1,2])[:a]', '$1'),
)
const expressions = fc.array(fc.tuple(expression, gap), { minLength: 1, maxLength: 4 }).map((items) => items.map(([e, g]) => `${e}${g}`).join(', '))
const statement = fc.oneof(
  expressions.map((e) => `SELECT ${e}`),
  fc.tuple(expressions, quotedIdentifier).map(([e, alias]) => `SELECT ${e} AS ${alias} FROM t WHERE x = :a`),
  expressions.map((e) => `INSERT INTO t VALUES (${e}), (1)`),
  fc.tuple(expressions, expressions).map(([a, b]) => `CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT ${a}; SELECT CASE WHEN x > 0 THEN 1 END; SELECT ${b}; END`),
  fc.tuple(expressions, expressions).map(([a, b]) => `CREATE RULE r AS ON INSERT TO t DO ALSO (SELECT ${a}; INSERT INTO u VALUES (${b}))`),
  dollarString.map((body) => `DO ${body}`),
  fc.constantFrom('BEGIN', 'COMMIT', 'SELECT CASE WHEN true THEN 1 END'),
)
const script = fc
  .array(fc.tuple(gap, statement, gap, fc.constantFrom(';', ';', ';;', '; ;')), { minLength: 1, maxLength: 5 })
  .chain((parts) =>
    fc.boolean().map((trailingSemicolon) => {
      const text = parts.map(([before, s, after, end]) => `${before}${s}${after}${end}`).join('')
      return trailingSemicolon ? text : text.replace(/[; ]+$/, '')
    }),
  )

describe('sql-params against the PostgreSQL scanner and parser', () => {
  it('agree on the test corpus', () => {
    for (const text of CORPUS) expectAgreement(text)
  })

  it('agree on the hard cases, parsed as well as scanned', () => {
    for (const text of HARD_CASES) expect(expectAgreement(text), `the parser refuses ${JSON.stringify(text)}`).toBe(true)
  })

  it('agree on generated scripts', () => {
    let parsed = 0
    let runs = 0
    fc.assert(
      fc.property(script, (text) => {
        runs++
        if (expectAgreement(text)) parsed++
      }),
      { numRuns: Number(process.env.ORACLE_RUNS ?? 400) },
    )
    // The generator writes valid SQL: nearly every script is compared statement by statement too.
    expect(parsed).toBeGreaterThan(runs * 0.9)
  })

  it('agree on random text made of lexing hazards, wherever the scanner reads it', () => {
    let read = 0
    let runs = 0
    fc.assert(
      fc.property(chars([...TRICKY, "E'", '/*', '*/', '-', '\r', '(', ')', 'BEGIN', 'END', 'CREATE FUNCTION', '$1', 'U&'], 40), (text) => {
        runs++
        if (scanTokens(text) !== null) read++
        expectAgreement(text, true)
      }),
      { numRuns: Number(process.env.ORACLE_RUNS ?? 400) },
    )
    expect(read).toBeGreaterThan(runs * 0.3)
  })
})
