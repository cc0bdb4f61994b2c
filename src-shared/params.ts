// Job params as they arrive (CLI `k=v`, CSV cells, form fields, JSON) checked and coerced against
// the job type's param schema. Shared with the renderer, so no node imports.
import type { ParamValue, Params } from './domain'
import type { ParamDef } from './config-schema'
import { echo } from './redact'
import { compilePattern } from './param-pattern'
import { totalSizeProblem, valueSizeProblem } from './param-size'

export interface ParamError {
  param: string
  message: string
}

export type ParamsResult = { ok: true; params: Params } | { ok: false; errors: ParamError[] }

/** `value` is undefined when the param is absent, optional and has no default. */
export type ParamValueResult = { ok: true; value: ParamValue | undefined } | { ok: false; error: ParamError }

/** Coercion of a present value; `problem` says what was expected, without naming the param. */
export type CoerceResult = { ok: true; value: ParamValue } | { ok: false; problem: string }

export function validateParams(defs: Record<string, ParamDef>, input: Record<string, unknown>): ParamsResult {
  const params: Params = {}
  const errors: ParamError[] = []
  for (const [name, def] of Object.entries(defs)) {
    const result = validateParamValue(name, def, Object.hasOwn(input, name) ? input[name] : undefined)
    if (!result.ok) errors.push(result.error)
    else if (result.value !== undefined) params[name] = result.value
  }
  const known = Object.keys(defs)
  for (const name of Object.keys(input)) {
    if (Object.hasOwn(defs, name)) continue
    errors.push({
      param: name,
      message:
        known.length === 0
          ? `param ${echo(name)}: unknown param; this job type takes no params`
          : `param ${echo(name)}: unknown param; known params: ${known.join(', ')}`,
    })
  }
  if (errors.length === 0) {
    const tooBig = totalSizeProblem(params)
    if (tooBig) errors.push(tooBig)
  }
  return errors.length === 0 ? { ok: true, params } : { ok: false, errors }
}

/** One field: applies `default` when absent (empty counts as absent) and `required`. */
export function validateParamValue(name: string, def: ParamDef, raw: unknown): ParamValueResult {
  const fail = (problem: string): ParamValueResult => ({
    ok: false,
    error: { param: name, message: `param "${name}": ${problem}` },
  })
  if (isAbsent(raw)) {
    if (def.default !== undefined && !isAbsent(def.default)) {
      const fallback = coerceParamValue(def, def.default)
      return fallback.ok ? fallback : fail(`its default ${describeValue(def.default)} is invalid: ${fallback.problem}`)
    }
    if (def.required) return fail(`required, but no value was given${expectedSuffix(def)}`)
    return { ok: true, value: undefined }
  }
  const coerced = coerceParamValue(def, raw)
  return coerced.ok ? coerced : fail(coerced.problem)
}

export function isAbsent(raw: unknown): boolean {
  return raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')
}

export function coerceParamValue(def: ParamDef, raw: unknown): CoerceResult {
  // Before the type's own checks, so a pattern never reads a value that could not be passed anyway.
  const problem = typeof raw === 'string' ? valueSizeProblem(raw) : null
  return problem ? { ok: false, problem: `the value ${problem}` } : coerceByType(def, raw)
}

function coerceByType(def: ParamDef, raw: unknown): CoerceResult {
  switch (def.type) {
    case 'integer':
      return coerceNumber(def, raw, true)
    case 'number':
      return coerceNumber(def, raw, false)
    case 'boolean':
      return coerceBoolean(raw)
    case 'enum':
      return coerceEnum(def, raw)
    case 'date':
      return coerceDate(raw)
    case 'datetime':
      return coerceDateTime(raw)
    case 'string':
      return coerceString(def, raw)
  }
}

const INTEGER_TEXT = /^[+-]?\d+$/
const NUMBER_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

function coerceNumber(def: ParamDef, raw: unknown, integer: boolean): CoerceResult {
  const what = integer ? 'an integer' : 'a number'
  let value: number
  if (typeof raw === 'number') {
    value = raw
  } else if (typeof raw === 'string' && (integer ? INTEGER_TEXT : NUMBER_TEXT).test(raw.trim())) {
    value = Number(raw.trim())
  } else {
    return { ok: false, problem: `expected ${what}${rangeText(def)}, got ${describeValue(raw)}` }
  }
  if (!Number.isFinite(value) || (integer && !Number.isSafeInteger(value))) {
    return { ok: false, problem: `expected ${what}${rangeText(def)}, got ${describeValue(raw)}` }
  }
  if ((def.min !== undefined && value < def.min) || (def.max !== undefined && value > def.max)) {
    return { ok: false, problem: `expected ${what}${rangeText(def)}, got ${describeValue(raw)}` }
  }
  return { ok: true, value }
}

function rangeText(def: ParamDef): string {
  if (def.min !== undefined && def.max !== undefined) return ` between ${def.min} and ${def.max}`
  if (def.min !== undefined) return ` of at least ${def.min}`
  if (def.max !== undefined) return ` of at most ${def.max}`
  return ''
}

const TRUE_WORDS = new Set(['true', '1', 'yes'])
const FALSE_WORDS = new Set(['false', '0', 'no'])

function coerceBoolean(raw: unknown): CoerceResult {
  if (typeof raw === 'boolean') return { ok: true, value: raw }
  if (typeof raw === 'number' && (raw === 0 || raw === 1)) return { ok: true, value: raw === 1 }
  if (typeof raw === 'string') {
    const word = raw.trim().toLowerCase()
    if (TRUE_WORDS.has(word)) return { ok: true, value: true }
    if (FALSE_WORDS.has(word)) return { ok: true, value: false }
  }
  return { ok: false, problem: `expected true or false (also 1/0, yes/no), got ${describeValue(raw)}` }
}

function coerceEnum(def: ParamDef, raw: unknown): CoerceResult {
  const values = def.values ?? []
  const text = typeof raw === 'string' ? raw.trim() : typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : null
  if (text !== null && values.includes(text)) return { ok: true, value: text }
  return { ok: false, problem: `expected one of ${values.join(', ')}, got ${describeValue(raw)}` }
}

const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/

function coerceDate(raw: unknown): CoerceResult {
  const text = typeof raw === 'string' ? raw.trim() : null
  const match = text === null ? null : DATE_TEXT.exec(text)
  if (text === null || !match || !isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3]))) {
    return { ok: false, problem: `expected a date as YYYY-MM-DD, got ${describeValue(raw)}` }
  }
  return { ok: true, value: text }
}

const DATETIME_TEXT =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/

/** A datetime without an offset is local time, as an HTML datetime-local field means it. */
function coerceDateTime(raw: unknown): CoerceResult {
  const problem = `expected a date and time like 2026-01-02T03:04:05Z or 2026-01-02 03:04+01:00, got ${describeValue(raw)}`
  const match = typeof raw === 'string' ? DATETIME_TEXT.exec(raw.trim()) : null
  if (!match) return { ok: false, problem }
  const [year, month, day, hour, minute] = [1, 2, 3, 4, 5].map((i) => Number(match[i]))
  const second = Number(match[6] ?? 0)
  const millis = Math.floor(Number(`0.${match[7] ?? '0'}`) * 1000)
  if (
    year === undefined ||
    month === undefined ||
    day === undefined ||
    hour === undefined ||
    minute === undefined ||
    !isCalendarDate(year, month, day) ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return { ok: false, problem }
  }
  let epoch: number
  if (match[8] !== undefined) {
    epoch = Date.UTC(year, month - 1, day, hour, minute, second, millis)
  } else if (match[9] !== undefined) {
    const offsetHours = Number(match[10])
    const offsetMinutes = Number(match[11])
    if (offsetHours > 23 || offsetMinutes > 59) return { ok: false, problem }
    const sign = match[9] === '-' ? -1 : 1
    epoch = Date.UTC(year, month - 1, day, hour, minute, second, millis) - sign * (offsetHours * 60 + offsetMinutes) * 60_000
  } else {
    epoch = new Date(year, month - 1, day, hour, minute, second, millis).getTime()
  }
  const date = new Date(epoch)
  if (Number.isNaN(date.getTime())) return { ok: false, problem }
  return { ok: true, value: date.toISOString() }
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate()
  return day <= daysInMonth
}

function coerceString(def: ParamDef, raw: unknown): CoerceResult {
  if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
    return { ok: false, problem: `expected text, got ${describeValue(raw)}` }
  }
  const text = String(raw)
  if (def.pattern === undefined) return { ok: true, value: text }
  const pattern = compilePattern(def.pattern)
  if (!pattern.ok) return { ok: false, problem: `its pattern ${def.pattern} cannot be used: ${pattern.reason}` }
  if (!pattern.matches(text)) {
    return { ok: false, problem: `expected ${patternNoun(def.pattern)} matching ${def.pattern}, got ${describeValue(raw)}` }
  }
  return { ok: true, value: text }
}

const DIGITS_PATTERN = /^\^?(?:\[0-9\]|\\d)(?:\{(\d+)\}|\{(\d+),(\d+)\}|(\+))\$?$/

/** `^[0-9]{5}$` reads as "5 digits"; other patterns as "a value". */
function patternNoun(pattern: string): string {
  const match = DIGITS_PATTERN.exec(pattern)
  if (!match) return 'a value'
  if (match[1] !== undefined) return `${match[1]} digits`
  if (match[2] !== undefined) return `${match[2]} to ${match[3]} digits`
  return 'digits'
}

function expectedSuffix(def: ParamDef): string {
  switch (def.type) {
    case 'enum':
      return ` (one of ${(def.values ?? []).join(', ')})`
    case 'string':
      return def.pattern === undefined ? '' : ` (${patternNoun(def.pattern)} matching ${def.pattern})`
    case 'date':
      return ' (a date as YYYY-MM-DD)'
    case 'datetime':
      return ' (a date and time)'
    case 'integer':
      return ` (an integer${rangeText(def)})`
    case 'number':
      return ` (a number${rangeText(def)})`
    case 'boolean':
      return ' (true or false)'
  }
}

/** How a received value reads in an error message. */
export function describeValue(raw: unknown): string {
  if (raw === undefined) return 'nothing'
  if (raw === null) return 'an empty value'
  if (typeof raw === 'string') return echo(raw)
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw)
  if (Array.isArray(raw)) return 'a list'
  return 'a mapping'
}
