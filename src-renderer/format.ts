// Numbers and time as UI.md asks: humanised durations, relative times in lists with the absolute
// local time on hover, binary sizes, CPU of one core for runs and of the machine for the host.
export { formatBytes, formatDuration } from '../src-shared/units'
export { absoluteTime, clockTime } from '../src-shared/local-time'
import { SNIPPET_CLOSE, SNIPPET_OPEN } from '../src-shared/search'

/** `3 min ago`, `in 2 min`, `just now`. */
export function relativeTime(value: string | number | null, now: number = Date.now()): string {
  if (value === null) return '—'
  const t = typeof value === 'number' ? value : Date.parse(value)
  if (!Number.isFinite(t)) return '—'
  const diff = now - t
  const future = diff < 0
  const s = Math.abs(diff) / 1000
  const text =
    s < 10 ? null : s < 60 ? `${Math.round(s)} s` : s < 3600 ? `${Math.round(s / 60)} min` : s < 86_400 ? `${Math.round(s / 3600)} h` : `${Math.round(s / 86_400)} d`
  if (text === null) return future ? 'in a moment' : 'just now'
  return future ? `in ${text}` : `${text} ago`
}

export function percent(value: number | null | undefined, digits = 0): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : `${value.toFixed(digits)}%`
}

/**
 * A search snippet (src-shared/search.ts) as parts to show as text, the matched words marked:
 * split on the engine's private markers, never parsed as HTML. A marker left unclosed marks to
 * the end; stray closing markers are dropped.
 */
export function snippetParts(snippet: string): Array<{ text: string; mark: boolean }> {
  const parts: Array<{ text: string; mark: boolean }> = []
  let mark = false
  let text = ''
  const push = (): void => {
    if (text !== '') parts.push({ text, mark })
    text = ''
  }
  for (const ch of snippet) {
    if (ch === SNIPPET_OPEN || ch === SNIPPET_CLOSE) {
      push()
      mark = ch === SNIPPET_OPEN
    } else {
      text += ch
    }
  }
  push()
  return parts
}
