// Bulk add: CSV with a header row, or JSON lines (one object per line). Shared by the CLI and
// the renderer's paste box, so both accept exactly the same input.

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

/** RFC 4180: quoted fields may hold commas, doubled quotes and newlines. */
function parseCsvRecords(text: string): { records: Array<{ line: number; fields: string[] }>; errors: BulkParseError[] } {
  const records: Array<{ line: number; fields: string[] }> = []
  const errors: BulkParseError[] = []
  let fields: string[] = []
  let field = ''
  let inQuotes = false
  let line = 1
  let recordLine = 1
  let fieldStarted = false
  const endRecord = (): void => {
    fields.push(field)
    if (!(fields.length === 1 && fields[0] === '' && !fieldStarted)) records.push({ line: recordLine, fields })
    fields = []
    field = ''
    fieldStarted = false
  }
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"'
          i++
        } else inQuotes = false
      } else {
        if (ch === '\n') line++
        field += ch
      }
      continue
    }
    if (ch === '"' && field === '') {
      inQuotes = true
      fieldStarted = true
    } else if (ch === ',') {
      fields.push(field)
      field = ''
      fieldStarted = true
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++
      endRecord()
      line++
      recordLine = line
    } else {
      field += ch
      fieldStarted = true
    }
  }
  if (inQuotes) errors.push({ line: recordLine, message: `line ${recordLine}: a quoted field is not closed` })
  else if (field !== '' || fields.length > 0 || fieldStarted) endRecord()
  return { records, errors }
}

function parseCsv(text: string): BulkParseResult {
  const { records, errors } = parseCsvRecords(text)
  const [header, ...data] = records
  if (!header) return { format: 'csv', rows: [], errors: [...errors, { line: 1, message: 'line 1: expected a header row naming the params' }] }
  const names = header.fields.map((f) => f.trim())
  const blank = names.findIndex((n) => n === '')
  if (blank >= 0) errors.push({ line: header.line, message: `line ${header.line}: header column ${blank + 1} has no name` })
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
