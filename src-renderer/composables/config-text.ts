// How the config's errors and retry policies read in Settings.
import type { RetryPolicy } from '../../src-shared/config-schema'

export interface ConfigErrorParts {
  /** The full path, when the message starts with one. */
  file: string | null
  line: number | null
  col: number | null
  /** `jobdeck.yaml:12:5`: the file's name with line and column. */
  location: string | null
  message: string
}

const LOCATED = /^(.*):(\d+):(\d+): ([\s\S]*)$/

/** Splits the engine's `file:line:col: message` (the file may itself contain colons). */
export function parseConfigError(text: string): ConfigErrorParts {
  const match = LOCATED.exec(text)
  if (!match) return { file: null, line: null, col: null, location: null, message: text }
  const file = match[1] as string
  const name = file.split(/[\\/]/).pop() ?? file
  return { file, line: Number(match[2]), col: Number(match[3]), location: `${name}:${match[2]}:${match[3]}`, message: match[4] as string }
}

/** A configured duration as written in config: `30m`, `1h 30m`, `5s`, `250ms`. */
export function configDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—'
  if (ms < 1000) return `${ms}ms`
  const units: Array<[string, number]> = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ]
  const parts: string[] = []
  let rest = ms
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size)
    if (n > 0) parts.push(`${n}${unit}`)
    rest -= n * size
  }
  if (rest > 0) parts.push(`${rest}ms`)
  return parts.join(' ')
}

/** `3× exponential 1m → 10m, jitter`, `4× every 5s`, or `none`. */
export function retrySummary(retries: RetryPolicy): string {
  if (retries.max === 0) return 'none'
  const times = `${retries.max}×`
  const jitter = retries.jitter ? ', jitter' : ''
  if (retries.backoff === 'fixed') return `${times} every ${configDuration(retries.base)}${jitter}`
  return `${times} exponential ${configDuration(retries.base)} → ${configDuration(retries.maxDelay)}${jitter}`
}
