import fc from 'fast-check'
import Papa from 'papaparse'
import { describe, expect, it } from 'vitest'
import { parseBulkText, type BulkRow } from './bulk-parse'

const rowsAt = (rows: BulkRow[]): Array<[number, Record<string, unknown>]> => rows.map((r) => [r.line, r.values])

describe('a pasted CSV', () => {
  it('gives each row the line it starts on, past quoted commas, newlines and doubled quotes', () => {
    const parsed = parseBulkText('tag,note\na,"x, y"\nb,"two\nlines"\nc,"say ""hi"""\nd,plain\n')
    expect(parsed.format).toBe('csv')
    expect(parsed.errors).toEqual([])
    expect(rowsAt(parsed.rows)).toEqual([
      [2, { tag: 'a', note: 'x, y' }],
      [3, { tag: 'b', note: 'two\nlines' }],
      [5, { tag: 'c', note: 'say "hi"' }],
      [6, { tag: 'd', note: 'plain' }],
    ])
  })

  it('reads a byte-order mark and any mix of CRLF, CR and LF line ends; a quoted line break comes back as LF', () => {
    const parsed = parseBulkText('\uFEFFtag,ms\r\na,1\rb,2\nc,"x\r\ny"\r\nd,4')
    expect(parsed.errors).toEqual([])
    expect(rowsAt(parsed.rows)).toEqual([
      [2, { tag: 'a', ms: '1' }],
      [3, { tag: 'b', ms: '2' }],
      [4, { tag: 'c', ms: 'x\ny' }],
      [6, { tag: 'd', ms: '4' }],
    ])
  })

  it('skips blank lines without losing count of the lines', () => {
    const parsed = parseBulkText('\n\ntag\n\na\n\n\nb\n\n')
    expect(parsed.errors).toEqual([])
    expect(rowsAt(parsed.rows)).toEqual([
      [5, { tag: 'a' }],
      [8, { tag: 'b' }],
    ])
  })

  it('says where a quoted field is never closed, and keeps the rows before it', () => {
    const parsed = parseBulkText('tag,ms\na,1\n"b,2\nc,3\n')
    expect(rowsAt(parsed.rows)).toEqual([[2, { tag: 'a', ms: '1' }]])
    expect(parsed.errors).toEqual([{ line: 3, message: 'line 3: a quoted field is not closed: expected a closing " before the end of the text' }])
  })

  it('refuses text after a closing quote instead of gluing it on, and reads on after that row', () => {
    const parsed = parseBulkText('tag,size\na,"5" monitor"\nb,3\n')
    expect(parsed.errors).toEqual([
      {
        line: 2,
        message: `line 2: text follows the closing quote of a quoted field; expected a comma or the line's end after it (a quote inside a quoted field is written "")`,
      },
    ])
    expect(rowsAt(parsed.rows)).toEqual([[3, { tag: 'b', size: '3' }]])
  })

  it('keeps a quote inside an unquoted field as it is', () => {
    expect(rowsAt(parseBulkText('tag,size\na,5" monitor\nb,"6"\n').rows)).toEqual([
      [2, { tag: 'a', size: '5" monitor' }],
      [3, { tag: 'b', size: '6' }],
    ])
  })

  it('names each ragged row with the header’s count and its own, and keeps the rows that fit', () => {
    const parsed = parseBulkText('a,b\n1\n1,2,3\n1,2\n   \n')
    expect(parsed.errors.map((e) => e.message)).toEqual([
      'line 2: expected 2 fields like the header, got 1',
      'line 3: expected 2 fields like the header, got 3',
      'line 5: expected 2 fields like the header, got 1',
    ])
    expect(rowsAt(parsed.rows)).toEqual([[4, { a: '1', b: '2' }]])
  })

  it('says which header column has no name, and which repeats one', () => {
    expect(parseBulkText('a, ,c\n1,2,3\n').errors).toEqual([{ line: 1, message: 'line 1: header column 2 has no name' }])
    expect(parseBulkText('\na,b,a\n1,2,3\n').errors).toEqual([{ line: 2, message: 'line 2: header column 3 repeats "a" (column 1); expected each param once' }])
  })

  it('reads semicolon and tab separated text from a spreadsheet, by what the header uses', () => {
    const semicolons = parseBulkText('dealer_id;from\r\n12345;2026-01-01\r\n"1;2";"x, y"\r\n')
    expect(semicolons.errors).toEqual([])
    expect(rowsAt(semicolons.rows)).toEqual([
      [2, { dealer_id: '12345', from: '2026-01-01' }],
      [3, { dealer_id: '1;2', from: 'x, y' }],
    ])
    const tabs = parseBulkText('dealer_id\tfrom\n12345\t2026-01-01\n')
    expect(rowsAt(tabs.rows)).toEqual([[2, { dealer_id: '12345', from: '2026-01-01' }]])
    const commas = parseBulkText('a,b\nx;y,z\n')
    expect(rowsAt(commas.rows)).toEqual([[2, { a: 'x;y', b: 'z' }]])
  })

  it('keeps one column one column, whatever its values hold', () => {
    const parsed = parseBulkText('query\nselect 1; select 2;\nselect 3; select 4;\n"a, b"\nx\ty\n')
    expect(parsed.errors).toEqual([])
    expect(rowsAt(parsed.rows)).toEqual([
      [2, { query: 'select 1; select 2;' }],
      [3, { query: 'select 3; select 4;' }],
      [4, { query: 'a, b' }],
      [5, { query: 'x\ty' }],
    ])
  })

  it('reads a very long field whole', () => {
    const blob = `${'x'.repeat(500_000)}\n${'y,"'.repeat(100_000)}`
    const parsed = parseBulkText(`tag,blob\na,"${blob.replace(/"/g, '""')}"\nb,2\n`)
    expect(parsed.errors).toEqual([])
    expect(parsed.rows[0]?.values.blob).toBe(blob)
    expect(parsed.rows[1]?.line).toBe(4)
  })

  it('asks for a header when there is nothing, and has no rows for a header alone', () => {
    expect(parseBulkText('')).toEqual({ format: 'csv', rows: [], errors: [{ line: 1, message: 'line 1: expected a header row naming the params' }] })
    expect(parseBulkText('\uFEFF\r\n\r\n')).toEqual({ format: 'csv', rows: [], errors: [{ line: 1, message: 'line 1: expected a header row naming the params' }] })
    expect(parseBulkText('tag,ms\r\n')).toEqual({ format: 'csv', rows: [], errors: [] })
  })

  it('gives back the rows papaparse wrote, with comma, semicolon or tab, on the lines they start on', () => {
    const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,8}$/)
    const table = fc.uniqueArray(name, { minLength: 1, maxLength: 4 }).chain((names) =>
      fc.record({
        names: fc.constant(names),
        delimiter: fc.constantFrom(',', ';', '\t'),
        rows: fc.array(fc.array(fc.string({ unit: fc.constantFrom('a', ' ', ',', ';', '\t', '"', "'", '\r', '\n', '=', 'é', '\uFEFF') }), { minLength: names.length, maxLength: names.length }), { maxLength: 6 }),
      }),
    )
    fc.assert(
      fc.property(table, ({ names, delimiter, rows }) => {
        // A one-column row with an empty value is an empty line, which is no row.
        fc.pre(names.length > 1 || rows.every(([value]) => value !== ''))
        // One column shows no delimiter, so it is read as a comma-separated one.
        const unparse = (data: string[][]): string => Papa.unparse(data, { delimiter: names.length > 1 ? delimiter : ',', newline: '\r\n' })
        const parsed = parseBulkText(`${unparse([names, ...rows])}\r\n`)
        expect(parsed.errors).toEqual([])
        let line = 2
        const expected = rows.map((row) => {
          const at = line
          line += unparse([row]).replace(/\r\n?/g, '\n').split('\n').length
          return [at, Object.fromEntries(names.map((n, i) => [n, (row[i] ?? '').replace(/\r\n?/g, '\n')]))]
        })
        expect(rowsAt(parsed.rows)).toEqual(expected)
      }),
      { numRuns: 300 },
    )
  })
})

describe('pasted JSON lines', () => {
  it('reads one object a line, CRLF or LF, and names the line of each bad one', () => {
    const parsed = parseBulkText('\uFEFF{"tag":"a"}\r\n\r\n{"tag":"b,c"}\n[1]\n{"tag":\n')
    expect(parsed.format).toBe('jsonl')
    expect(rowsAt(parsed.rows)).toEqual([
      [1, { tag: 'a' }],
      [3, { tag: 'b,c' }],
    ])
    expect(parsed.errors[0]).toEqual({ line: 4, message: 'line 4: expected a JSON object like {"dealer_id": "12345"}' })
    expect(parsed.errors[1]?.message).toMatch(/^line 5: invalid JSON \(/)
  })
})
