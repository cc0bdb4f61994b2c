// Durations and sizes as operators write them in config: `30m`, `1h30m`, `10s`, `500ms`, `2y`, `2GB`.

const DURATION_UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  // A year of 365 days: for ages (`retention: { audit: 2y }`), where a leap day does not matter.
  y: 365 * 86_400_000,
}

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

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|y)/y

/** Parses `30m`, `1h30m`, `1.5s`, `250ms`, `2y`; returns milliseconds or null when malformed. */
export function parseDuration(text: string): number | null {
  const trimmed = text.trim()
  if (trimmed === '') return null
  let total = 0
  DURATION_PART.lastIndex = 0
  while (DURATION_PART.lastIndex < trimmed.length) {
    const start = DURATION_PART.lastIndex
    const match = DURATION_PART.exec(trimmed)
    if (!match || match.index !== start) return null
    total += Number(match[1]) * (DURATION_UNITS_MS[match[2] as string] as number)
  }
  return Math.round(total)
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1_000,
  mb: 1_000_000,
  gb: 1_000_000_000,
  tb: 1_000_000_000_000,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
}

/** Parses `2GB`, `512MiB`, `1048576`; returns bytes or null when malformed. */
export function parseSize(text: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text)
  if (!match) return null
  const unit = (match[2] ?? '').toLowerCase() || 'b'
  const factor = SIZE_UNITS[unit]
  return factor === undefined ? null : Math.round(Number(match[1]) * factor)
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
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}
