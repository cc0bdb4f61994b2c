// How a run's progress reads: a fraction for bars, words for the figures beside them.
import type { Progress } from '../../../src-shared/domain'

export function progressPercent(progress: Progress): number | null {
  if (progress.percent !== null && Number.isFinite(progress.percent)) return Math.max(0, Math.min(100, progress.percent))
  if (progress.current !== null && progress.total !== null && progress.total > 0) return Math.max(0, Math.min(100, (progress.current / progress.total) * 100))
  return null
}

/** `40%`, `12 / 40`, `12 / 40 (30%)`, or '' when nothing is known. */
export function progressText(progress: Progress): string {
  const { current, total, percent } = progress
  if (current !== null && total !== null) {
    const pct = percent ?? (total > 0 ? (current / total) * 100 : null)
    return pct === null ? `${current} / ${total}` : `${current} / ${total} (${Math.round(pct)}%)`
  }
  if (percent !== null) return `${Math.round(percent)}%`
  if (current !== null) return `${current}`
  return ''
}
