// What the Gantt draws ahead of now, as layers like the runs' (gantt-layer.ts): each upcoming
// fire a ghost bar as long as its type's recorded duration (p95, or average), a fire of a type
// with no history a dashed bar of a fixed width that says "unknown length", each predicted
// conflict a hatched wash over the wait with a diamond at the fire, and fires of the range that
// were skipped or missed as small marks on the time axis. Also what the pointer is over.
import type { ScheduleFire } from '../../../src-shared/schedules'
import type { AnyStatus } from '../../status'
import { rowKeyOf, type GroupBy } from './gantt-data'
import type { PredictedConflict, Upcoming } from './forecast'
import { LayerBuilder, type Layer } from './gantt-layer'

/** A fire of unknown length is drawn this wide, dashed, whatever the zoom. */
export const UNKNOWN_PX = 26
/** Skipped and missed fires: diamonds this wide on the time axis. */
export const MARK_PX = 8
/** The row of the axis marks (rows ≥ 0 are the Gantt's, -1 the whole plot's height). */
export const AXIS_ROW = -2
/** The predicted conflict's diamond. */
export const CONFLICT_PX = 9
/** How long a wash of unknown length is drawn (pixels). */
const UNKNOWN_WAIT_PX = 10

export interface AheadInput {
  rows: readonly string[]
  groupBy: GroupBy
  fires: readonly Upcoming[]
  conflicts: readonly PredictedConflict[]
  /** Skipped and missed fires of the range. */
  marks: readonly ScheduleFire[]
  colors: Record<AnyStatus, string>
  skippedColor: string
  missedColor: string
  conflictColor: string
  backgroundColor: string
}

export interface AheadIndex {
  fires: Upcoming[][]
  conflicts: PredictedConflict[][]
  /** Axis marks by time. */
  marks: Array<{ at: number; fire: ScheduleFire }>
}

export function emptyAheadIndex(rows: number): AheadIndex {
  return { fires: Array.from({ length: rows }, () => []), conflicts: Array.from({ length: rows }, () => []), marks: [] }
}

export function buildAhead(input: AheadInput): { layers: Layer[]; index: AheadIndex } {
  const rowIndex = new Map(input.rows.map((row, i) => [row, i]))
  const index = emptyAheadIndex(input.rows.length)
  const ghost = input.colors.queued
  const known = new LayerBuilder('ahead:known', { fill: ghost, opacity: 0.3, stroke: ghost, lineWidth: 1 }, 2, input.fires.length)
  const unknown = new LayerBuilder('ahead:unknown', { fill: 'none', stroke: ghost, lineWidth: 1.2, lineDash: [3, 3] }, UNKNOWN_PX, 8)
  for (const fire of input.fires) {
    const row = rowIndex.get(rowKeyOf(fire, input.groupBy))
    if (row === undefined) continue
    index.fires[row]?.push(fire)
    if (fire.expectedMs === null) unknown.add(row, fire.at, fire.at, 0.14, 0.86)
    else known.add(row, fire.at, fire.at + fire.expectedMs, 0.14, 0.86)
  }

  const wash = new LayerBuilder('conflict:wash', { fill: 'none', hatch: input.conflictColor, stroke: input.conflictColor, lineWidth: 1, lineDash: [4, 2] }, UNKNOWN_WAIT_PX, 8)
  const marker = new LayerBuilder('conflict:marker', { fill: input.conflictColor, stroke: input.backgroundColor, lineWidth: 1.5 }, CONFLICT_PX, 8, 'diamond')
  for (const conflict of input.conflicts) {
    const row = rowIndex.get(rowKeyOf(conflict.fire, input.groupBy))
    if (row === undefined) continue
    index.conflicts[row]?.push(conflict)
    wash.add(row, conflict.fire.at, conflict.startsAt, -0.3, 1.3)
    marker.add(row, conflict.fire.at, conflict.fire.at, 0, 0)
  }

  const skipped = new LayerBuilder('mark:skipped', { fill: input.skippedColor, stroke: input.backgroundColor, lineWidth: 1 }, MARK_PX, 8, 'diamond')
  const missed = new LayerBuilder('mark:missed', { fill: input.missedColor, stroke: input.backgroundColor, lineWidth: 1 }, MARK_PX, 8, 'diamond')
  for (const fire of input.marks) {
    const at = Date.parse(fire.scheduledFor)
    if (!Number.isFinite(at)) continue
    index.marks.push({ at, fire })
    ;(fire.outcome === 'missed' ? missed : skipped).add(AXIS_ROW, at, at, 0, 0)
  }
  index.marks.sort((a, b) => a.at - b.at)

  const layers = [known, unknown, wash, marker, skipped, missed].map((b) => b.build()).filter((l) => l.count > 0)
  return { layers, index }
}

export type AheadHit =
  | { kind: 'ahead'; fire: Upcoming; conflict: PredictedConflict | null }
  | { kind: 'conflict'; conflict: PredictedConflict }
  | { kind: 'fire-mark'; fires: ScheduleFire[] }

/**
 * What ahead of now is under the pointer at time `t` in `row`: a conflict's diamond first, then
 * the ghost bar (an unknown-length one as wide as it is drawn). `msPerPx` is one pixel's time.
 */
export function hitAhead(index: AheadIndex, row: number, t: number, msPerPx: number): AheadHit | null {
  const slop = 3 * msPerPx
  for (const conflict of index.conflicts[row] ?? []) {
    if (Math.abs(t - conflict.fire.at) <= (CONFLICT_PX / 2) * msPerPx + slop) return { kind: 'conflict', conflict }
  }
  let best: Upcoming | null = null
  for (const fire of index.fires[row] ?? []) {
    const end = fire.at + (fire.expectedMs ?? UNKNOWN_PX * msPerPx)
    if (fire.at - slop <= t && t <= Math.max(end, fire.at + 2 * msPerPx) + slop && (!best || fire.at > best.at)) best = fire
  }
  if (!best) return null
  const id = best.id
  const conflict = (index.conflicts[row] ?? []).find((c) => c.fire.id === id) ?? null
  return { kind: 'ahead', fire: best, conflict }
}

/** The skipped and missed fires whose axis mark is under the pointer at time `t`. */
export function hitMark(index: AheadIndex, t: number, msPerPx: number): AheadHit | null {
  const reach = (MARK_PX / 2 + 2) * msPerPx
  const fires = index.marks.filter((m) => Math.abs(m.at - t) <= reach).map((m) => m.fire)
  return fires.length ? { kind: 'fire-mark', fires } : null
}
