// PostgreSQL's own scanner and parser (libpg-query, WASM), read the way sql-params.ts reads SQL, as
// a test oracle: where code colons, `$n` params and statements are, in UTF-16 offsets.
import { loadModule, parseSync, scanSync, type ScanToken } from 'libpg-query'

export { loadModule as loadPostgresScanner }

/** What the server's scanner and parser see in a script. */
export interface ScannerView {
  /** Offsets of the `:`, `::` and `:=` tokens (outside strings, identifiers and comments). */
  colons: number[]
  /** Offsets of `$n` params. */
  positionals: number[]
  /**
   * Each statement as [first code offset, end of its last code token), or null when the parser
   * refuses the script (a syntax error; `:name` params are replaced before parsing).
   */
  statements: Array<[number, number]> | null
}

interface Token {
  start: number
  end: number
  text: string
  kind: string
}

const COMMENT_KINDS = new Set(['SQL_COMMENT', 'C_COMMENT'])

/** The scanner's tokens with UTF-16 offsets, or null when it refuses the text (an unterminated quote or comment, trailing junk). */
export function scanTokens(text: string): Token[] | null {
  if (text === '') return []
  let scanned: ScanToken[]
  try {
    scanned = scanSync(text).tokens
  } catch {
    return null
  }
  const utf16 = utf16OffsetsByByte(text)
  return scanned.map((t) => ({ start: utf16[t.start] as number, end: utf16[t.end] as number, text: t.text, kind: t.tokenName }))
}

/** The scanner's and parser's reading of `text`, or null when the scanner refuses it. */
export function scannerView(text: string): ScannerView | null {
  const tokens = scanTokens(text)
  if (tokens === null) return null
  return {
    colons: tokens.filter((t) => t.text.startsWith(':')).map((t) => t.start),
    positionals: tokens.filter((t) => t.kind === 'PARAM').map((t) => t.start),
    statements: parsedStatements(text, tokens),
  }
}

/**
 * `:name` is not PostgreSQL: each one (a `:` token right before a name) becomes `$1` padded with
 * spaces to the same length in UTF-8, so the parser accepts the script and its byte offsets still fit.
 */
function withoutNamedParams(text: string, tokens: Token[]): string {
  let out = ''
  let copied = 0
  for (const [index, token] of tokens.entries()) {
    const name = tokens[index + 1]
    if (token.text !== ':' || name === undefined || name.start !== token.end || !/^[A-Za-z_\u0080-\uffff]/.test(name.text)) continue
    out += text.slice(copied, token.start) + '$1'.padEnd(Buffer.byteLength(text.slice(token.start, name.end)), ' ')
    copied = name.end
  }
  return out + text.slice(copied)
}

function parsedStatements(text: string, tokens: Token[]): Array<[number, number]> | null {
  let stmts: Array<{ stmt_location?: number; stmt_len?: number }>
  try {
    stmts = parseSync(withoutNamedParams(text, tokens)).stmts ?? []
  } catch {
    return null
  }
  const utf16 = utf16OffsetsByByte(text)
  const bytes = Buffer.byteLength(text)
  return stmts.map((stmt) => {
    const from = stmt.stmt_location ?? 0
    const to = stmt.stmt_len ? from + stmt.stmt_len : bytes
    return codeSpan(tokens, utf16[from] as number, utf16[to] as number)
  })
}

/** [start of the first, end of the last) code token inside [from, to), a statement's closing `;` left out. */
export function codeSpan(tokens: Token[], from: number, to: number): [number, number] {
  const code = tokens.filter((t) => t.start >= from && t.end <= to && !COMMENT_KINDS.has(t.kind))
  while (code.length > 0 && code[code.length - 1]?.text === ';') code.pop()
  return [code[0]?.start ?? from, code[code.length - 1]?.end ?? from]
}

/** `result[byte]` is the UTF-16 offset of the character starting at that UTF-8 byte (and at the end). */
function utf16OffsetsByByte(text: string): number[] {
  const offsets: number[] = []
  let offset = 0
  for (const char of text) {
    const bytes = Buffer.byteLength(char)
    for (let b = 0; b < bytes; b++) offsets.push(offset)
    offset += char.length
  }
  offsets.push(offset)
  return offsets
}
