// The timeline's zoom arithmetic, pure: the range that fits the runs, a zoom around a point (wheel,
// + / - keys), a pan (arrow keys), a brushed span, all kept inside the range and never narrower
// than the smallest window. The chart and the store only wire events to these.
import type { TimelineExtent } from '../../../src-shared/domain'
import type { TimeWindow } from './gantt-data'

const MINUTE = 60_000
const DAY = 86_400_000

/** How far back the fit looks for runs first: the old default range, so a fit never opens wider on a busy install. */
export const FIT_LOOKBACK_MS = DAY
/** A fit never opens narrower than this: a few quick runs of a fresh install stay visible bars with air around them. */
export const MIN_FIT_MS = 2 * MINUTE
/** Nor wider than the longest preset. */
export const MAX_FIT_MS = 30 * DAY
/** Room left of the first run, as a share of the span. */
export const FIT_LEAD = 0.04
/** No runs at all: a short range, so the first job added is drawn wide enough to see. */
export const EMPTY_FIT_MS = 3_600_000

/** A wheel notch zooms by this factor: three notches halve or double the span. */
export const WHEEL_NOTCH_FACTOR = 2 ** (1 / 3)
/** The + and - keys halve and double the span. */
export const KEY_ZOOM_FACTOR = 2
/** An arrow key pans by this share of the span. */
export const KEY_PAN_SHARE = 0.25
/** A drag shorter than this many pixels is a click, not a brush. */
export const BRUSH_MIN_PX = 5

/**
 * The span of the live range that fits the runs: from the first run of the last day to now,
 * with a little room before it, and never more than that day (runs all day long: the day); with
 * none that recent, back to the latest run of all.
 */
export function fitSpan(extent: TimelineExtent, now: number): number {
  const from = extent.first ?? extent.last
  if (from === null) return EMPTY_FIT_MS
  const span = Math.round(Math.max(MIN_FIT_MS, now - from) * (1 + FIT_LEAD))
  return Math.min(extent.first !== null ? FIT_LOOKBACK_MS : MAX_FIT_MS, span)
}

/** `window` moved and clipped to lie inside `bounds`, at least `minMs` wide (as far as the bounds allow). */
export function clampWindow(window: TimeWindow, bounds: TimeWindow, minMs: number): TimeWindow {
  const room = bounds.until - bounds.since
  const span = Math.min(room, Math.max(minMs, window.until - window.since))
  let since = window.since
  // A window squeezed to the minimum grows around its middle rather than to one side.
  if (window.until - window.since < span) since = (window.since + window.until) / 2 - span / 2
  since = Math.min(Math.max(since, bounds.since), bounds.until - span)
  return { since, until: since + span }
}

/**
 * The window `factor` times as wide (below 1 zooms in), with the time at `anchor` staying where
 * it is on screen: under the pointer for the wheel, the middle for the keys.
 */
export function zoomAround(window: TimeWindow, anchor: number, factor: number, bounds: TimeWindow, minMs: number): TimeWindow {
  const span = window.until - window.since
  const at = Math.min(Math.max(anchor, window.since), window.until)
  const share = span > 0 ? (at - window.since) / span : 0.5
  const next = Math.max(minMs, span * factor)
  const since = at - share * next
  return clampWindow({ since, until: since + next }, bounds, minMs)
}

/** The window moved by `share` of its span (negative: back in time), stopping at the bounds. */
export function panBy(window: TimeWindow, share: number, bounds: TimeWindow, minMs: number): TimeWindow {
  const shift = (window.until - window.since) * share
  return clampWindow({ since: window.since + shift, until: window.until + shift }, bounds, minMs)
}

/** How many notches a wheel event turns (positive: towards the operator, zoom out), whatever the device reports in. */
export function wheelNotches(deltaY: number, deltaMode: number): number {
  // Pixels (a mouse notch is about 100, a touchpad sends many small ones), lines (3 a notch), pages.
  const notches = deltaMode === 1 ? deltaY / 3 : deltaMode === 2 ? deltaY : deltaY / 100
  return Math.max(-3, Math.min(3, notches))
}

/** The zoom factor of a wheel event. */
export function wheelFactor(deltaY: number, deltaMode: number): number {
  return WHEEL_NOTCH_FACTOR ** wheelNotches(deltaY, deltaMode)
}

/** The times between two x positions on a plot of `widthPx` starting at `leftPx` that shows `view`; null for a click. */
export function brushWindow(x0: number, x1: number, leftPx: number, widthPx: number, view: TimeWindow): TimeWindow | null {
  if (Math.abs(x1 - x0) < BRUSH_MIN_PX) return null
  const at = (x: number): number => view.since + ((Math.min(Math.max(x, leftPx), leftPx + widthPx) - leftPx) / Math.max(1, widthPx)) * (view.until - view.since)
  const since = at(Math.min(x0, x1))
  const until = at(Math.max(x0, x1))
  return until > since ? { since, until } : null
}

/** Equal up to a millionth of the span (the zoom slider's percentages round). */
export function sameWindow(a: TimeWindow, b: TimeWindow): boolean {
  const slack = Math.max(1, (b.until - b.since) * 1e-6)
  return Math.abs(a.since - b.since) <= slack && Math.abs(a.until - b.until) <= slack
}
