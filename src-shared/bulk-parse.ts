// Bulk add: CSV with a header row, or JSON lines (one object per line). Shared by the CLI and
// the renderer's paste box, so both accept exactly the same input. papaparse reads the CSV.
import Papa from 'papaparse'

export interface BulkRow {
  /** 1-based line in the source where the row starts. */
  line: number
  values: Record<string, unknown>
}

export interface BulkParseError {
  line: number
  message: string
}

export interface BulkParseResult {
  format: 'csv' | 'jsonl'
  rows: BulkRow[]
  errors: BulkParseError[]
}

export function parseBulkText(text: string): BulkParseResult {
  const body = text.replace(/^\uFEFF/, '')
  const firstContent = body.split(/\r?\n/).find((line) => line.trim() !== '')
  return firstContent?.trim().startsWith('{') ? parseJsonLines(body) : parseCsv(body)
}

function parseJsonLines(text: string): BulkParseResult {
  const rows: BulkRow[] = []
  const errors: BulkParseError[] = []
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1
    if (raw.trim() === '') return
    try {
      const value: unknown = JSON.parse(raw)
      if (value && typeof value === 'object' && !Array.isArray(value)) rows.push({ line, values: value as Record<string, unknown> })
      else errors.push({ line, message: `line ${line}: expected a JSON object like {"dealer_id": "12345"}` })
    } catch (error) {
      errors.push({ line, message: `line ${line}: invalid JSON (${(error as Error).message})` })
    }
  })
  return { format: 'jsonl', rows, errors }
}

interface CsvRecord {
  line: number
  fields: string[]
}

const DELIMITER_NAMES: Record<string, string> = { ',': 'a comma', '\t': 'a tab', ';': 'a semicolon' }

/**
 * The header names params, and a param name holds no comma, tab or semicolon: the one the header
 * uses (in that order) separates every row, so `;` and tab text from a European spreadsheet or a
 * copied range reads too. A header without any is one column, and the comma stays.
 */
function delimiterOf(text: string): string {
  const header = /^.*\S.*$/m.exec(text)?.[0] ?? ''
  return Object.keys(DELIMITER_NAMES).find((d) => header.includes(d)) ?? ','
}

function quoteProblem(code: string, delimiter: string): string {
  return code === 'InvalidQuotes'
    ? `text follows the closing quote of a quoted field; expected ${DELIMITER_NAMES[delimiter]} or the line's end after it (a quote inside a quoted field is written "")`
    : 'a quoted field is not closed: expected a closing " before the end of the text'
}

/**
 * RFC 4180 records read by papaparse, each with the line it starts on. papaparse counts rows, not
 * lines; a row's start offset is where the previous one ended (`meta.cursor`), so counting the
 * line breaks up to it keeps numbers right past quoted newlines. Line ends are made `\n` first:
 * papaparse takes one line ending for the whole text, and a paste may mix CRLF, CR and LF.
 */
function readCsvRecords(text: string): { records: CsvRecord[]; errors: BulkParseError[] } {
  const body = text.replace(/\r\n?/g, '\n')
  const delimiter = delimiterOf(body)
  const records: CsvRecord[] = []
  const errors: BulkParseError[] = []
  let start = 0
  let line = 1
  Papa.parse<string[]>(body, {
    delimiter,
    newline: '\n',
    step: (result) => {
      const end = result.meta.cursor
      const recordLine = line
      const blank = end === start || (end === start + 1 && body[start] === '\n')
      for (let i = body.indexOf('\n', start); i >= 0 && i < end; i = body.indexOf('\n', i + 1)) line++
      start = end
      const [problem] = result.errors
      if (problem) errors.push({ line: recordLine, message: `line ${recordLine}: ${quoteProblem(problem.code, delimiter)}` })
      else if (!blank) records.push({ line: recordLine, fields: result.data })
    },
  })
  return { records, errors }
}

function headerErrors(header: CsvRecord, names: string[]): BulkParseError[] {
  const at = (message: string): BulkParseError => ({ line: header.line, message: `line ${header.line}: ${message}` })
  const errors: BulkParseError[] = []
  const blank = names.findIndex((n) => n === '')
  if (blank >= 0) errors.push(at(`header column ${blank + 1} has no name`))
  names.forEach((name, i) => {
    const first = names.indexOf(name)
    if (name !== '' && first < i) errors.push(at(`header column ${i + 1} repeats "${name}" (column ${first + 1}); expected each param once`))
  })
  return errors
}

function parseCsv(text: string): BulkParseResult {
  const { records, errors } = readCsvRecords(text)
  const [header, ...data] = records
  if (!header) return { format: 'csv', rows: [], errors: [...errors, { line: 1, message: 'line 1: expected a header row naming the params' }] }
  const names = header.fields.map((f) => f.trim())
  errors.push(...headerErrors(header, names))
  const rows: BulkRow[] = []
  for (const record of data) {
    if (record.fields.length !== names.length) {
      errors.push({
        line: record.line,
        message: `line ${record.line}: expected ${names.length} fields like the header, got ${record.fields.length}`,
      })
      continue
    }
    const values: Record<string, unknown> = {}
    names.forEach((name, i) => {
      values[name] = record.fields[i]
    })
    rows.push({ line: record.line, values })
  }
  return { format: 'csv', rows, errors }
}
