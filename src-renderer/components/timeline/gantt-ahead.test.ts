import { describe, expect, it } from 'vitest'
import type { ScheduleFire } from '../../../src-shared/schedules'
import { STATUS_HEX } from '../../status'
import { predictConflicts, type Upcoming } from './forecast'
import { AXIS_ROW, buildAhead, hitAhead, hitMark, MARK_PX, UNKNOWN_PX, type AheadInput } from './gantt-ahead'
import { layerRects, STRIDE, type PlotMapping } from './gantt-scene'

const MIN = 60_000
const NOW = 1_000_000_000

const fire = (schedule: string, atMin: number, expectedMs: number | null, type = 'export', lane = 'reports'): Upcoming => ({
  id: `${schedule}@${atMin}`,
  schedule,
  type,
  lane,
  laneLimit: 1,
  at: NOW + atMin * MIN,
  expectedMs,
  basis: expectedMs === null ? null : 'p95',
})

const mark = (outcome: ScheduleFire['outcome'], minAgo: number): ScheduleFire => ({
  schedule: 'nightly',
  scheduledFor: new Date(NOW - minAgo * MIN).toISOString(),
  firedAt: new Date(NOW - minAgo * MIN).toISOString(),
  outcome,
  reason: outcome === 'skipped' ? 'previous job 01JX still running' : null,
  jobId: null,
})

const input = (over: Partial<AheadInput>): AheadInput => ({
  rows: ['export', 'ping'],
  groupBy: 'type',
  fires: [],
  conflicts: [],
  marks: [],
  colors: STATUS_HEX.light,
  skippedColor: '#b45309',
  missedColor: '#dc2626',
  conflictColor: '#7a3',
  backgroundColor: '#fff',
  ...over,
})

describe('buildAhead', () => {
  it('draws each fire as a ghost bar as long as its recorded length, in its row', () => {
    const { layers, index } = buildAhead(input({ fires: [fire('a', 10, 5 * MIN), fire('b', 20, MIN, 'ping')] }))
    const known = layers.find((l) => l.name === 'ahead:known')
    expect(known?.count).toBe(2)
    expect(Array.from(known?.data.slice(0, STRIDE) ?? [])).toEqual([0, NOW + 10 * MIN, NOW + 15 * MIN, 0.14, 0.86])
    expect(known?.data[STRIDE]).toBe(1)
    expect(index.fires[1]?.map((f) => f.schedule)).toEqual(['b'])
  })

  it('draws a fire of a type with no history as a dashed bar of fixed width', () => {
    const { layers } = buildAhead(input({ fires: [fire('a', 10, null)] }))
    const unknown = layers.find((l) => l.name === 'ahead:unknown')
    expect(unknown?.count).toBe(1)
    expect(unknown?.style.lineDash).toEqual([3, 3])
    expect(unknown?.minWidthPx).toBe(UNKNOWN_PX)
    expect(layers.some((l) => l.name === 'ahead:known')).toBe(false)
  })

  it('flags a predicted conflict with a wash over the wait and a diamond at the fire', () => {
    const fires = [fire('a', 10, 5 * MIN), fire('b', 12, MIN)]
    const conflicts = predictConflicts(fires, [], NOW)
    const { layers, index } = buildAhead(input({ fires, conflicts }))
    const wash = layers.find((l) => l.name === 'conflict:wash')
    expect(Array.from(wash?.data.slice(1, 3) ?? [])).toEqual([NOW + 12 * MIN, NOW + 15 * MIN])
    expect(layers.find((l) => l.name === 'conflict:marker')?.shape).toBe('diamond')
    expect(index.conflicts[0]).toHaveLength(1)
  })

  it('puts skipped and missed fires on the time axis, each outcome in its colour', () => {
    const { layers, index } = buildAhead(input({ marks: [mark('skipped', 30), mark('missed', 90), mark('skipped', 60)] }))
    const skipped = layers.find((l) => l.name === 'mark:skipped')
    const missed = layers.find((l) => l.name === 'mark:missed')
    expect(skipped?.count).toBe(2)
    expect(missed?.count).toBe(1)
    expect(missed?.style.fill).toBe('#dc2626')
    expect(skipped?.data[0]).toBe(AXIS_ROW)
    expect(index.marks.map((m) => m.at)).toEqual([NOW - 90 * MIN, NOW - 60 * MIN, NOW - 30 * MIN])
  })

  it('leaves out fires of rows not shown', () => {
    const { layers } = buildAhead(input({ rows: ['ping'], fires: [fire('a', 10, MIN)] }))
    expect(layers).toEqual([])
  })
})

describe('layerRects for the axis row', () => {
  it('draws an axis mark as a diamond just inside the top of the plot, whatever the rows', () => {
    const { layers } = buildAhead(input({ marks: [mark('missed', 10)] }))
    const layer = layers[0]
    if (!layer) throw new Error('no layer')
    const map: PlotMapping = { originX: 100, originT: NOW - 60 * MIN, pxPerMs: 1 / MIN, row0Y: 50, band: 30, box: 18, clip: { x: 100, y: 26, width: 600, height: 200 } }
    const { rects, count } = layerRects(layer, map, NOW)
    expect(count).toBe(1)
    expect(rects[0]).toBeCloseTo(100 + 50 - MARK_PX / 2)
    expect(rects[1]).toBe(27)
    expect(rects[2]).toBe(MARK_PX)
    expect(rects[3]).toBe(MARK_PX)
  })
})

describe('hitAhead and hitMark', () => {
  const fires = [fire('a', 10, 5 * MIN), fire('b', 12, MIN), fire('c', 30, null)]
  const { index } = buildAhead(input({ fires, conflicts: predictConflicts(fires, [], NOW), marks: [mark('skipped', 5)] }))
  const msPerPx = 6000

  it('finds the conflict diamond first, then the ghost bar with its conflict', () => {
    expect(hitAhead(index, 0, NOW + 12 * MIN, msPerPx)?.kind).toBe('conflict')
    const bar = hitAhead(index, 0, NOW + 12.8 * MIN, msPerPx)
    expect(bar?.kind).toBe('ahead')
    if (bar?.kind !== 'ahead') throw new Error('not a bar')
    expect(bar.fire.schedule).toBe('b')
    expect(bar.conflict?.waitMs).toBe(3 * MIN)
    const first = hitAhead(index, 0, NOW + 11 * MIN, msPerPx)
    expect(first?.kind === 'ahead' && first.fire.schedule).toBe('a')
  })

  it('finds an unknown-length bar over the width it is drawn', () => {
    const hit = hitAhead(index, 0, NOW + 30 * MIN + (UNKNOWN_PX - 2) * msPerPx, msPerPx)
    expect(hit?.kind === 'ahead' && hit.fire.schedule).toBe('c')
    expect(hitAhead(index, 0, NOW + 30 * MIN + (UNKNOWN_PX + 10) * msPerPx, msPerPx)).toBeNull()
  })

  it('finds the fires marked on the axis near the pointer', () => {
    const hit = hitMark(index, NOW - 5 * MIN + msPerPx, msPerPx)
    expect(hit?.kind === 'fire-mark' && hit.fires.map((f) => f.outcome)).toEqual(['skipped'])
    expect(hitMark(index, NOW - 20 * MIN, msPerPx)).toBeNull()
  })
})
