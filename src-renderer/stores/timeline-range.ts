// The Timeline's ranges, pure: the presets, and a live range of a span ending now with headroom
// for running bars to grow into, or reaching as far ahead of now as the schedules' fires are drawn.
import type { TimeWindow } from '../components/timeline/gantt-data'

export type RangePreset = '1h' | '6h' | '24h' | '7d' | '30d'
/** `fit`: from the first recent run to now (the range the view opens on); `custom`: picked dates. */
export type RangeChoice = 'fit' | RangePreset | 'custom'

export const PRESETS: ReadonlyArray<{ key: RangePreset; label: string; ms: number }> = [
  { key: '1h', label: '1h', ms: 3_600_000 },
  { key: '6h', label: '6h', ms: 6 * 3_600_000 },
  { key: '24h', label: '24h', ms: 86_400_000 },
  { key: '7d', label: '7d', ms: 7 * 86_400_000 },
  { key: '30d', label: '30d', ms: 30 * 86_400_000 },
]

/** Live presets end a little after now, so running bars have room to grow before the range re-anchors. */
export const LIVE_HEADROOM = 0.03
/** …and at least this long after now, so a short fitted range does not re-anchor (and re-query) every few seconds. */
export const MIN_HEADROOM_MS = 15_000

/** How long after now a live range of `ms` stays put before it moves on with now. */
export function headroomMs(ms: number): number {
  return Math.max(MIN_HEADROOM_MS, Math.round(ms * LIVE_HEADROOM))
}

/**
 * A range of `ms` ending now, with headroom after now for running bars to grow into, or
 * reaching `aheadMs` ahead of now when that is further (the schedules' fires ahead).
 */
export function liveRange(ms: number, now: number, aheadMs = 0): TimeWindow {
  return { since: now - ms, until: now + Math.max(headroomMs(ms), aheadMs) }
}

export function presetMs(preset: RangePreset): number {
  return PRESETS.find((p) => p.key === preset)?.ms ?? 86_400_000
}

export function presetRange(preset: RangePreset, now: number, aheadMs = 0): TimeWindow {
  return liveRange(presetMs(preset), now, aheadMs)
}
