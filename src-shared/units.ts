// Durations and sizes as operators write them in config: `30m`, `1h30m`, `10s`, `500ms`, `2y`, `2GB`.
// Ours rather than ms, parse-duration or bytes (compared in issue 18): they read `5M` and `3 minutes`
// as minutes, `-5m` as negative, `2GB` as 2 GiB, and keep or round fractions of a ms or a byte. These
// read the decimal text exactly and refuse a value they cannot hold as a whole number.

const DURATION_UNITS_MS = new Map<string, bigint>([
  ['ms', 1n],
  ['s', 1_000n],
  ['m', 60_000n],
  ['h', 3_600_000n],
  ['d', 86_400_000n],
  // A year of 365 days: for ages (`retention: { audit: 2y }`), where a leap day does not matter.
  ['y', 365n * 86_400_000n],
])

/**
 * The longest wait a config duration used by a timer may ask for. Node fires a timer of 2^31 ms
 * (24.8 days) or more at once, so a `25d` timeout killed its job after a few ms. 24d is round,
 * easy to write, and leaves 20 hours under 2^31-1 ms for the graces some waits add to it.
 */
export const MAX_TIMER_MS = 24 * 86_400_000
export const MAX_TIMER_TEXT = '24d'

/** Durations no timer waits on (retention ages) still need to be finite to subtract from now. */
export const MAX_DURATION_MS = 36_500 * 86_400_000
export const MAX_DURATION_TEXT = '36500d'

/**
 * Why text is not a value: not in the notation, not a whole number of ms or bytes (`0.5ms`,
 * `1.5b`), or past Number.MAX_SAFE_INTEGER, where a number no longer holds every whole value.
 */
export type UnitProblem = 'malformed' | 'fraction' | 'too-large'
export type UnitReading = { ok: true; value: number } | { ok: false; problem: UnitProblem }

const refused = (problem: UnitProblem): UnitReading => ({ ok: false, problem })

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)
/** 10^16 > 2^53: a whole part of more digits is too large whatever its unit. */
const MAX_WHOLE_DIGITS = 16
/**
 * No factor holds more than 2^40 (TiB) or 5^12 (TB), so a fraction of more than 40 significant
 * digits never makes a whole number; the cap keeps a pasted megabyte of digits cheap.
 */
const MAX_FRACTION_DIGITS = 40

/** `whole.fraction × factor` as an exact whole number, or why not. */
function exactProduct(whole: string, fraction: string, factor: bigint): bigint | UnitProblem {
  let firstDigit = 0
  while (whole[firstDigit] === '0') firstDigit++
  if (whole.length - firstDigit > MAX_WHOLE_DIGITS) return 'too-large'
  let fractionEnd = fraction.length
  while (fraction[fractionEnd - 1] === '0') fractionEnd--
  if (fractionEnd > MAX_FRACTION_DIGITS) return 'fraction'
  const scale = 10n ** BigInt(fractionEnd)
  const scaled = BigInt(`0${whole.slice(firstDigit)}${fraction.slice(0, fractionEnd)}`) * factor
  if (scaled % scale !== 0n) return 'fraction'
  const value = scaled / scale
  return value > MAX_SAFE ? 'too-large' : value
}

const DURATION_PART = /(\d+)(?:\.(\d+))?(ms|s|m|h|d|y)/y

/** Reads `30m`, `1h30m`, `1.5s`, `250ms`, `2y` as whole milliseconds. */
export function readDuration(text: string): UnitReading {
  const trimmed = text.trim()
  if (trimmed === '') return refused('malformed')
  let total = 0n
  let problem: UnitProblem | null = null
  DURATION_PART.lastIndex = 0
  while (DURATION_PART.lastIndex < trimmed.length) {
    const match = DURATION_PART.exec(trimmed)
    if (!match) return refused('malformed')
    const part = exactProduct(match[1] as string, match[2] ?? '', DURATION_UNITS_MS.get(match[3] as string) as bigint)
    if (typeof part === 'bigint') total += part
    else problem ??= part
  }
  if (problem !== null) return refused(problem)
  return total > MAX_SAFE ? refused('too-large') : { ok: true, value: Number(total) }
}

/**
 * A config number is seconds (`timeout: 90`). It is read through its decimal text, so `1.001` is
 * 1001 ms where 1.001 * 1000 is 1000.9999999999999.
 */
export function readSeconds(seconds: number): UnitReading {
  if (seconds === Infinity) return refused('too-large')
  if (!Number.isFinite(seconds) || seconds < 0) return refused('malformed')
  const text = String(seconds)
  // JavaScript writes exponents only below 1e-6 (a fraction of a ms) and from 1e21 (too large).
  if (text.includes('e')) return refused(seconds < 1 ? 'fraction' : 'too-large')
  return readDuration(`${text}s`)
}

/** Parses a duration to whole milliseconds; null when it is not one (readDuration says why). */
export function parseDuration(text: string): number | null {
  const reading = readDuration(text)
  return reading.ok ? reading.value : null
}

const SIZE_UNITS = new Map<string, bigint>([
  ['b', 1n],
  ['kb', 1_000n],
  ['mb', 1_000_000n],
  ['gb', 1_000_000_000n],
  ['tb', 1_000_000_000_000n],
  ['kib', 1024n],
  ['mib', 1024n ** 2n],
  ['gib', 1024n ** 3n],
  ['tib', 1024n ** 4n],
])

// Matched against trimmed text: `\s*` at both ends of the pattern backtracked quadratically.
const SIZE = /^(\d+)(?:\.(\d+))?\s*([a-zA-Z]*)$/

/** Reads `2GB` (decimal), `512MiB` (binary), `1048576` as whole bytes. */
export function readSize(text: string): UnitReading {
  const match = SIZE.exec(text.trim())
  const factor = match ? SIZE_UNITS.get((match[3] as string).toLowerCase() || 'b') : undefined
  if (!match || factor === undefined) return refused('malformed')
  const bytes = exactProduct(match[1] as string, match[2] ?? '', factor)
  return typeof bytes === 'bigint' ? { ok: true, value: Number(bytes) } : refused(bytes)
}

/** A config number of bytes: whole, and small enough to be exact. */
export function readByteCount(bytes: number): UnitReading {
  if (bytes === Infinity) return refused('too-large')
  if (!Number.isFinite(bytes) || bytes < 0) return refused('malformed')
  if (!Number.isInteger(bytes)) return refused('fraction')
  return Number.isSafeInteger(bytes) ? { ok: true, value: bytes } : refused('too-large')
}

/** Parses a size to whole bytes; null when it is not one (readSize says why). */
export function parseSize(text: string): number | null {
  const reading = readSize(text)
  return reading.ok ? reading.value : null
}

/** `2m 14s`, `1h 03m`, `850ms`: the humanised duration of UI.md. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—'
  if (ms < 1000) return `${Math.round(ms)}ms`
  const totalSeconds = Math.floor(ms / 1000)
  const days = Math.floor(totalSeconds / 86400)
  const hours = Math.floor((totalSeconds % 86400) / 3600)
  const minutes = Math.floor((totalSeconds % 3600) / 60)
  const seconds = totalSeconds % 60
  const pad = (n: number): string => String(n).padStart(2, '0')
  if (days > 0) return `${days}d ${pad(hours)}h`
  if (hours > 0) return `${hours}h ${pad(minutes)}m`
  if (minutes > 0) return `${minutes}m ${pad(seconds)}s`
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${seconds}s`
}

/** `1.2 GiB`: binary units as UI.md asks. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '—'
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  // 1023.6 KiB rounds to 1024: that is 1.0 MiB.
  while ((Math.abs(value) >= 1024 || (unit > 0 && Math.abs(value) >= 1023.5)) && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}
