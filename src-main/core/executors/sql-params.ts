// SQL text for the `sql` executor: named params (`:dealer_id`) turned into `$1..$n` with their
// values, and scripts split into statements. Both read the text with PostgreSQL's own lexing
// rules, so nothing inside a string literal, a quoted identifier, a dollar-quoted body or a comment
// is ever taken for a param or a statement end:
//   'it''s'  E'it\'s'  "col:name"  $$ ... $$  $fn$ ... $fn$  -- ...  /* ... /* nested */ ... */
// `::type` casts and `:=` are not params. A param is `:` directly followed by a name; to write a
// colon that is not a param before a name (an array slice `a[lo:hi]`), put a space after it.
// Plain '...' literals follow standard_conforming_strings = on (the default since PostgreSQL 9.1).
// sql-params.oracle.test.ts holds all of this against PostgreSQL's own scanner and parser.
import type { ParamValue, Params } from '../../../src-shared/domain'

export type SqlTokenKind =
  | 'space'
  | 'comment'
  | 'word'
  | 'string'
  | 'quoted'
  | 'dollar'
  | 'param'
  | 'positional'
  | 'semicolon'
  | 'open'
  | 'close'
  | 'other'

export interface SqlToken {
  kind: SqlTokenKind
  /** UTF-16 offsets into the text: [start, end). */
  start: number
  end: number
  /**
   * `param` only: where a longer name would end. Param names may contain `-` (`:batch-id`), which
   * SQL reads as minus; `:n-1` is the param `n-1` only when the run has a param of that name.
   */
  longerEnds?: number[]
}

const IDENT_START = /[A-Za-z_\u0080-\uffff]/
const IDENT_CONT = /[A-Za-z0-9_$\u0080-\uffff]/
const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y
const PARAM_NAME = /[A-Za-z_][A-Za-z0-9_]*/y
const PARAM_NAME_PART = /-[A-Za-z0-9_]+/y
const NUMBER = /[0-9][0-9A-Za-z_.]*/y
const SPACE = /\s+/y
const WHITESPACE = /\s/
const LINE_BREAK = /[\r\n]/g
const META_COMMAND = /\\(?:[A-Za-z]+|\S)?/y

function matchAt(pattern: RegExp, text: string, at: number): string | null {
  pattern.lastIndex = at
  const match = pattern.exec(text)
  return match ? match[0] : null
}

/** Splits SQL text into tokens, the way PostgreSQL's scanner sees quotes, comments and dollar quotes. */
export function tokenizeSql(text: string): SqlToken[] {
  const tokens: SqlToken[] = []
  const length = text.length
  let i = 0
  const push = (kind: SqlTokenKind, end: number): void => {
    tokens.push({ kind, start: i, end })
    i = end
  }
  while (i < length) {
    const ch = text[i] as string
    const next = text[i + 1]
    if (ch === '-' && next === '-') {
      push('comment', lineCommentEnd(text, i))
    } else if (ch === '/' && next === '*') {
      push('comment', blockCommentEnd(text, i))
    } else if (ch === "'") {
      push('string', quotedEnd(text, i + 1, "'", false))
    } else if (ch === '"') {
      push('quoted', quotedEnd(text, i + 1, '"', false))
    } else if ((ch === 'e' || ch === 'E') && next === "'") {
      // An escape string: backslash escapes as well as ''.
      push('string', quotedEnd(text, i + 2, "'", true))
    } else if (IDENT_START.test(ch)) {
      push('word', identifierEndFrom(text, i + 1))
    } else if (ch >= '0' && ch <= '9') {
      push('other', i + (matchAt(NUMBER, text, i)?.length ?? 1))
    } else if (ch === '$') {
      const tag = matchAt(DOLLAR_TAG, text, i)
      if (tag !== null) {
        const close = text.indexOf(tag, i + tag.length)
        push('dollar', close === -1 ? length : close + tag.length)
      } else if (next !== undefined && next >= '0' && next <= '9') {
        let end = i + 1
        while (end < length && (text[end] as string) >= '0' && (text[end] as string) <= '9') end++
        push('positional', end)
      } else {
        push('other', i + 1)
      }
    } else if (ch === ':') {
      if (next === ':' || next === '=') {
        push('other', i + 2)
      } else {
        const name = matchAt(PARAM_NAME, text, i + 1)
        const identifierEnd = name === null ? i + 1 : identifierEndFrom(text, i + 1 + name.length)
        if (name === null) {
          push('other', i + 1)
        } else if (identifierEnd > i + 1 + name.length) {
          // `:a$b` or `:aé`: PostgreSQL reads one identifier there, so the name is all of it (and
          // no `$b$` inside it opens a dollar quote). No param has such a name: the binder says so.
          tokens.push({ kind: 'param', start: i, end: identifierEnd, longerEnds: [] })
          i = identifierEnd
        } else {
          const longerEnds: number[] = []
          let end = i + 1 + name.length
          for (let part = matchAt(PARAM_NAME_PART, text, end); part !== null; part = matchAt(PARAM_NAME_PART, text, end)) {
            end += part.length
            longerEnds.push(end)
          }
          tokens.push({ kind: 'param', start: i, end: i + 1 + name.length, longerEnds })
          i += 1 + name.length
        }
      }
    } else if (ch === ';') {
      push('semicolon', i + 1)
    } else if (ch === '(') {
      push('open', i + 1)
    } else if (ch === ')') {
      push('close', i + 1)
    } else if (WHITESPACE.test(ch)) {
      push('space', i + (matchAt(SPACE, text, i)?.length ?? 1))
    } else {
      push('other', i + 1)
    }
  }
  return tokens
}

/** End (exclusive) of the identifier characters from `from` on. */
function identifierEndFrom(text: string, from: number): number {
  let end = from
  while (end < text.length && IDENT_CONT.test(text[end] as string)) end++
  return end
}

/** A `--` comment ends at a line break, `\r` alone included (as in PostgreSQL's scanner). */
function lineCommentEnd(text: string, start: number): number {
  LINE_BREAK.lastIndex = start
  return LINE_BREAK.exec(text)?.index ?? text.length
}

/** Block comments nest in PostgreSQL. Unterminated: to the end (the server reports it). */
function blockCommentEnd(text: string, start: number): number {
  let depth = 0
  let i = start
  while (i < text.length) {
    if (text[i] === '/' && text[i + 1] === '*') {
      depth++
      i += 2
    } else if (text[i] === '*' && text[i + 1] === '/') {
      depth--
      i += 2
      if (depth === 0) return i
    } else {
      i++
    }
  }
  return text.length
}

/** End (exclusive) of a quoted run whose body starts at `from`; a doubled quote is an escaped quote. */
function quotedEnd(text: string, from: number, quote: string, backslashEscapes: boolean): number {
  let i = from
  while (i < text.length) {
    const ch = text[i]
    if (backslashEscapes && ch === '\\') {
      i += 2
    } else if (ch === quote) {
      if (text[i + 1] === quote) i += 2
      else return i + 1
    } else {
      i++
    }
  }
  return text.length
}

// --- named params ----------------------------------------------------------------------------------

export class SqlParamError extends Error {
  override name = 'SqlParamError'
}

export interface BoundSql {
  /** The text with `$1..$n` in place of the named params. */
  text: string
  /** `values[k]` is bound to `$(k+1)`. */
  values: ParamValue[]
  /** `names[k]` is the param bound to `$(k+1)`. */
  names: string[]
  /** Maps an offset in `text` back to the offset in the original text (for error positions). */
  originalOffset(offset: number): number
}

interface Replacement {
  /** Where the `$n` is in the output, and how long. */
  outStart: number
  outEnd: number
  inStart: number
  inEnd: number
}

/**
 * Replaces every `:name` with `$k` (one number per distinct name) and collects the values. A name
 * the run has no param for is an error naming it and listing the params the run has; `$1`-style
 * positional params are refused (they could not be told apart from the bound ones).
 */
export function bindNamedParams(sql: string, params: Params): BoundSql {
  const numbers = new Map<string, number>()
  const names: string[] = []
  const values: ParamValue[] = []
  const replacements: Replacement[] = []
  let out = ''
  let copied = 0
  for (const token of tokenizeSql(sql)) {
    if (token.kind === 'positional') {
      throw new SqlParamError(
        `positional parameter ${sql.slice(token.start, token.end)} is not supported; write :name to bind one of the job's params`,
      )
    }
    if (token.kind !== 'param') continue
    const ends = [...(token.longerEnds ?? [])].reverse()
    ends.push(token.end)
    let end = -1
    let name = ''
    for (const candidateEnd of ends) {
      const candidate = sql.slice(token.start + 1, candidateEnd)
      if (Object.hasOwn(params, candidate)) {
        end = candidateEnd
        name = candidate
        break
      }
    }
    if (end === -1) {
      const written = sql.slice(token.start + 1, ends[0])
      const known = Object.keys(params)
      throw new SqlParamError(
        `unknown param :${written}; ${known.length === 0 ? 'this run has no params' : `this run's params: ${known.join(', ')}`}`,
      )
    }
    let number = numbers.get(name)
    if (number === undefined) {
      number = names.length + 1
      numbers.set(name, number)
      names.push(name)
      values.push(params[name] as ParamValue)
    }
    out += sql.slice(copied, token.start)
    const placeholder = `$${number}`
    replacements.push({ outStart: out.length, outEnd: out.length + placeholder.length, inStart: token.start, inEnd: end })
    out += placeholder
    copied = end
  }
  out += sql.slice(copied)
  return {
    text: out,
    values,
    names,
    originalOffset(offset) {
      let delta = 0
      for (const r of replacements) {
        if (offset < r.outStart) break
        if (offset < r.outEnd) return r.inStart
        delta = r.inEnd - r.outEnd
      }
      return offset + delta
    },
  }
}

// --- scripts -----------------------------------------------------------------------------------------

export interface SqlScriptStatement {
  /** The statement without its `;`, trimmed; comments before it are kept. */
  text: string
  /** Offset of `text` in the script. */
  offset: number
  /** 1-based line of the script where the statement's first code (not comment) is. */
  line: number
  /** That first line of code, up to the end of the statement, trimmed (for messages). */
  head: string
}

/**
 * Splits a script on top-level `;`, with the lexing rules above. Like psql, a `;` inside
 * parentheses or inside the `BEGIN ... END` body of `CREATE [OR REPLACE] FUNCTION|PROCEDURE`
 * (SQL-standard bodies, PostgreSQL 14+) does not end the statement. Empty statements (only
 * whitespace and comments) are dropped.
 */
export function splitSqlScript(script: string): SqlScriptStatement[] {
  const statements: SqlScriptStatement[] = []
  let start = 0
  let firstCode = -1
  let parenDepth = 0
  let beginDepth = 0
  let words: string[] = []
  // Lines are counted on from the previous statement's, so a long script is read once, not once per statement.
  let line = 1
  let lineCountedTo = 0
  const lineAt = (offset: number): number => {
    for (let i = script.indexOf('\n', lineCountedTo); i !== -1 && i < offset; i = script.indexOf('\n', i + 1)) line++
    lineCountedTo = offset
    return line
  }
  const finish = (end: number): void => {
    if (firstCode !== -1) {
      const raw = script.slice(start, end)
      const leading = raw.length - raw.trimStart().length
      const newline = script.indexOf('\n', firstCode)
      const lineEnd = newline === -1 ? end : Math.min(newline, end)
      statements.push({
        text: raw.trim(),
        offset: start + leading,
        line: lineAt(firstCode),
        head: script.slice(firstCode, lineEnd).trim(),
      })
    }
    firstCode = -1
    parenDepth = 0
    beginDepth = 0
    words = []
  }
  for (const token of tokenizeSql(script)) {
    if (token.kind === 'space' || token.kind === 'comment') continue
    if (token.kind === 'semicolon' && parenDepth === 0 && beginDepth === 0) {
      finish(token.start)
      start = token.end
      continue
    }
    if (firstCode === -1) firstCode = token.start
    if (token.kind === 'open') parenDepth++
    else if (token.kind === 'close') parenDepth = Math.max(0, parenDepth - 1)
    else if (token.kind === 'word') {
      const word = script.slice(token.start, token.end).toLowerCase()
      if (words.length < 5) words.push(word)
      if (parenDepth === 0 && definesRoutine(words)) {
        if (word === 'begin') beginDepth++
        else if (word === 'case' && beginDepth > 0) beginDepth++
        else if (word === 'end' && beginDepth > 0) beginDepth--
      }
    }
  }
  finish(script.length)
  return statements
}

/** CREATE [OR REPLACE] FUNCTION|PROCEDURE: psql's heuristic for bodies with `;` inside. */
function definesRoutine(words: string[]): boolean {
  if (words[0] !== 'create') return false
  if (words[1] === 'function' || words[1] === 'procedure') return true
  return words[1] === 'or' && words[2] === 'replace' && (words[3] === 'function' || words[3] === 'procedure')
}

/**
 * The statement's transaction-control command (`BEGIN`, `COMMIT`, `ROLLBACK`, ...), or null. Jobs
 * run in a transaction of their own that the executor commits or rolls back; one of these in a
 * script would end it half way. `ROLLBACK TO SAVEPOINT` and `SAVEPOINT` / `RELEASE` are fine.
 */
export function transactionControl(statement: string): string | null {
  const words: string[] = []
  for (const token of tokenizeSql(statement)) {
    if (token.kind === 'space' || token.kind === 'comment') continue
    if (token.kind !== 'word') break
    words.push(statement.slice(token.start, token.end).toUpperCase())
    if (words.length === 3) break
  }
  const [first, second, third] = words
  switch (first) {
    case 'BEGIN':
    case 'COMMIT':
    case 'END':
    case 'ABORT':
      return first
    case 'START':
      return second === 'TRANSACTION' ? 'START TRANSACTION' : null
    case 'ROLLBACK': {
      const to = second === 'TO' || ((second === 'WORK' || second === 'TRANSACTION') && third === 'TO')
      return to ? null : 'ROLLBACK'
    }
    case 'PREPARE':
      return second === 'TRANSACTION' ? 'PREPARE TRANSACTION' : null
    default:
      return null
  }
}

/**
 * The first psql meta-command (`\copy`, `\set`, `\gexec`, ...) in the statement, or null. Only psql
 * reads them; the server, which the job talks to directly, would answer a syntax error at "\".
 */
export function psqlMetaCommand(statement: string): string | null {
  for (const token of tokenizeSql(statement)) {
    if (token.kind === 'other' && statement[token.start] === '\\') return matchAt(META_COMMAND, statement, token.start)
  }
  return null
}

/** 1-based line of `offset` in `text`. */
export function lineOf(text: string, offset: number): number {
  let line = 1
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++
  return line
}

/** 1-based line and column of `offset` in `text`. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.lastIndexOf('\n', offset - 1)
  return { line: lineOf(text, offset), column: offset - before }
}

/**
 * PostgreSQL error positions count characters (1-based); JavaScript strings count UTF-16 units.
 * Returns the 0-based UTF-16 offset of the 1-based character `position` in `text`.
 */
export function characterPositionToOffset(text: string, position: number): number {
  let offset = 0
  for (let chars = 1; chars < position && offset < text.length; chars++) {
    const code = text.charCodeAt(offset)
    offset += code >= 0xd800 && code <= 0xdbff && offset + 1 < text.length ? 2 : 1
  }
  return offset
}
