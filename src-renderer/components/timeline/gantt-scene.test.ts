import { describe, expect, it } from 'vitest'
import type { TimelineItem } from '../../../src-shared/domain'
import { packBuckets } from '../../test-support/timeline-buckets'
import { STATUS_HEX } from '../../status'
import { CHART_THEME } from '../charts/chart-theme'
import { buildScene, DENSITY_Y0, DIAMOND_PX, FAILED_MIN_PX, layerRects, STRIDE, type Layer, type PlotMapping, type SceneInput } from './gantt-scene'

const item = (id: string, type: string, startedAt: number, finishedAt: number | null, extra: Partial<TimelineItem> = {}): TimelineItem => ({
  id,
  jobId: `j-${id}`,
  type,
  lane: 'L',
  status: finishedAt === null ? 'running' : 'succeeded',
  attempt: 1,
  queuedAt: startedAt - 100,
  startedAt,
  finishedAt,
  ...extra,
})

const input = (over: Partial<SceneInput>): SceneInput => ({
  rows: ['a', 'b'],
  groupBy: 'type',
  items: [],
  buckets: [],
  bucketMs: 10,
  overlaps: [],
  waiting: [],
  now: 5000,
  colors: STATUS_HEX.light,
  overlapColor: CHART_THEME.light.overlap,
  backgroundColor: '#fff',
  nowColor: '#00f',
  ...over,
})

describe('buildScene', () => {
  it('puts each status in its own layer and the queued wait in a fainter one', () => {
    const scene = buildScene(
      input({ items: [item('1', 'a', 1000, 2000), item('2', 'b', 1500, 2500, { status: 'failed' }), item('3', 'a', 3000, null)] }),
    )
    const byName = new Map(scene.layers.map((l) => [l.name, l]))
    expect(byName.get('bar:succeeded')?.count).toBe(1)
    expect(byName.get('bar:failed')?.count).toBe(1)
    expect(byName.get('bar:failed')?.style.fill).toBe(STATUS_HEX.light.failed)
    expect(byName.get('wait')?.count).toBe(3)
    const running = byName.get('bar:running')
    expect(running?.count).toBe(1)
    // A running bar ends at "now" when drawn (NaN end), so the clock needs no rebuild.
    expect(Number.isNaN(running?.data[2])).toBe(true)
    expect(scene.hit.items[0]?.map((i) => i.id)).toEqual(['1', '3'])
    expect(scene.hit.items[1]?.map((i) => i.id)).toEqual(['2'])
  })

  it("issue 15: a source run's observed start is a hatched edge, an unknown start a point at its finish, a stuck run an outline", () => {
    const scene = buildScene(
      input({
        rows: ['legacy/report'],
        items: [
          item('legacy:1/run', 'legacy/report', 1000, 2000, { startKind: 'observed' }),
          item('legacy:2/run', 'legacy/report', 1500, 3000, { startKind: 'unknown', status: 'failed' }),
          item('legacy:3/run', 'legacy/report', 2500, null, { stuck: true }),
        ],
      }),
    )
    const byName = new Map(scene.layers.map((l) => [l.name, l]))
    const edge = byName.get('start:observed')
    expect(edge?.count).toBe(1)
    expect([edge?.data[1], edge?.style.lineDash]).toEqual([1000, [2, 2]])
    // The unknown start has no bar: only its point, at its finish, in its status's colour.
    expect(byName.get('bar:failed')).toBeUndefined()
    const point = byName.get('point:failed')
    expect([point?.shape, point?.data[1], point?.style.fill]).toEqual(['diamond', 3000, STATUS_HEX.light.failed])
    const stuck = byName.get('stuck')
    expect([stuck?.count, stuck?.data[1], Number.isNaN(stuck?.data[2])]).toEqual([1, 2500, true])
    expect(stuck?.style.stroke).toBe(STATUS_HEX.light.partial)
    // The point is found where it is drawn, not over the span its start would have had.
    expect(scene.hit.items[0]?.map((i) => i.id)).toEqual(['legacy:1/run', 'legacy:2/run', 'legacy:3/run'])
  })

  it('marks an overlap across systems with its diamond only (a lane over its limit is hatched too)', () => {
    const items = [item('legacy:1/run', 'a', 1000, 2000), item('own', 'b', 1500, 2500)]
    const across = { lane: 'legacy × Jobdeck', limit: 1, start: 1500, end: 2000, peak: 2, runIds: ['legacy:1/run', 'own'], origins: ['legacy', 'Jobdeck'] }
    const byName = new Map(buildScene(input({ items, overlaps: [across] })).layers.map((l) => [l.name, l]))
    expect(byName.get('overlap:marker')?.count).toBe(2)
    expect(byName.get('overlap:wash')).toBeUndefined()
  })

  it('draws bucketed runs as stacked blocks and counts them for hit-testing', () => {
    const scene = buildScene(
      input({
        buckets: packBuckets(10, [
          { row: 'a', start: 0, byStatus: { succeeded: 2, failed: 1 } },
          { row: 'a', start: 10, byStatus: { succeeded: 1 } },
        ]),
      }),
    )
    expect(scene.blocks).toBe(1)
    const names = scene.layers.map((l) => l.name)
    expect(names).toContain('block:succeeded')
    expect(names).toContain('block:failed')
    expect(scene.hit.blocks[0]?.[0]?.count).toBe(4)
  })

  it('marks an overlap in every row holding one of its runs', () => {
    const items = [item('x', 'a', 0, 100), item('y', 'b', 50, 150)]
    const scene = buildScene(input({ items, overlaps: [{ lane: 'L', limit: 1, start: 50, end: 100, peak: 2, runIds: ['x', 'y'] }] }))
    expect(scene.layers.find((l) => l.name === 'overlap:wash')?.count).toBe(2)
    expect(scene.hit.overlaps[0]).toHaveLength(1)
    expect(scene.hit.overlaps[1]).toHaveLength(1)
  })

  it('draws failures over every other run, at least a few pixels wide', () => {
    const scene = buildScene(
      input({
        items: [item('ok', 'a', 0, 10_000), item('bad', 'a', 5000, 5001, { status: 'failed' }), item('live', 'a', 4000, null)],
        buckets: packBuckets(10, [{ row: 'b', start: 0, byStatus: { succeeded: 499, failed: 1 } }]),
      }),
    )
    const names = scene.layers.map((l) => l.name)
    const after = (a: string, b: string): boolean => names.indexOf(a) > names.indexOf(b)
    for (const other of ['bar:succeeded', 'bar:running', 'edge:running', 'block:succeeded']) {
      expect(after('bar:failed', other), `failed bars over ${other}`).toBe(true)
      expect(after('block:failed', other), `failed blocks over ${other}`).toBe(true)
    }
    const failed = scene.layers.find((l) => l.name === 'bar:failed') as Layer
    expect(failed.minWidthPx).toBeGreaterThanOrEqual(FAILED_MIN_PX)
    // In full colour, not faded like the other blocks.
    expect(scene.layers.find((l) => l.name === 'block:failed')?.style).toEqual({ fill: STATUS_HEX.light.failed })
    // One failed run among 500 in a block is a cap of about a fifth of its stack, not a 1-px edge.
    const cap = scene.layers.find((l) => l.name === 'block:failed') as Layer
    expect((cap.data[4] as number) - (cap.data[3] as number)).toBeGreaterThan(0.18)
  })

  it('adds a thin failure-density row under each group that had failures, darker where they cluster', () => {
    const failedAt = (id: string, type: string, t: number): TimelineItem => item(id, type, t, t + 1, { status: 'failed' })
    const scene = buildScene(
      input({
        items: [failedAt('f1', 'a', 1000), item('ok', 'a', 2000, 3000), failedAt('f2', 'b', 10)],
        // Row b: 20 failures in one block of sub-pixel runs, none in the next.
        buckets: packBuckets(10, [
          { row: 'b', start: 0, byStatus: { succeeded: 20, failed: 20 } },
          { row: 'b', start: 300, byStatus: { succeeded: 5 } },
        ]),
      }),
    )
    const density = scene.layers.filter((l) => l.name.startsWith('density:'))
    const cells = density.flatMap((l) => Array.from({ length: l.count }, (_, i) => ({ level: Number(l.name.split(':')[1]), row: l.data[i * STRIDE], y0: l.data[i * STRIDE + 3] })))
    expect(cells).toHaveLength(2)
    // Under the bars (below the box), not over them.
    expect(cells.every((c) => (c.y0 as number) >= DENSITY_Y0)).toBe(true)
    const byRow = new Map(cells.map((c) => [c.row, c.level]))
    expect(byRow.get(0)).toBe(1)
    expect(byRow.get(1)).toBe(3)
    expect(density.every((l) => l.style.fill === STATUS_HEX.light.failed)).toBe(true)
  })

  it('draws an overlap as hatching in its own ink with a diamond, in neither the failure nor the success colour', () => {
    const items = [item('x', 'a', 0, 100), item('y', 'a', 50, 150)]
    for (const theme of ['light', 'dark'] as const) {
      const scene = buildScene(
        input({ items, colors: STATUS_HEX[theme], overlapColor: CHART_THEME[theme].overlap, overlaps: [{ lane: 'L', limit: 1, start: 50, end: 100, peak: 2, runIds: ['x', 'y'] }] }),
      )
      const wash = scene.layers.find((l) => l.name === 'overlap:wash') as Layer
      const marker = scene.layers.find((l) => l.name === 'overlap:marker') as Layer
      expect(wash.style.hatch).toBe(CHART_THEME[theme].overlap)
      expect(wash.style.fill).toBe('none')
      expect(marker.shape).toBe('diamond')
      expect(marker.minWidthPx).toBe(DIAMOND_PX)
      const inks = [wash.style.hatch, wash.style.stroke, marker.style.fill]
      for (const status of ['failed', 'succeeded', 'running', 'partial', 'interrupted'] as const) expect(inks).not.toContain(STATUS_HEX[theme][status])
    }
  })
})

describe('layerRects', () => {
  const map: PlotMapping = { originX: 100, originT: 0, pxPerMs: 0.1, row0Y: 20, band: 20, box: 10, clip: { x: 100, y: 10, width: 500, height: 40 } }

  it('maps time to x and rows to y, clips to the plot and keeps a minimum width', () => {
    const data = new Float64Array([0, 1000, 2000, 0, 1, 1, 100, 101, 0, 1, 0, 9000, 9500, 0, 1, 0, -500, 300, 0, 1])
    const { rects, count } = layerRects({ name: 't', data, count: data.length / STRIDE, style: {}, minWidthPx: 2, shape: 'rect' }, map, 0)
    expect(count).toBe(3)
    expect([...rects.slice(0, 4)]).toEqual([200, 15, 100, 10])
    // 1 ms long: drawn 2 px wide, one row further down.
    expect([...rects.slice(4, 8)]).toEqual([110, 35, 2, 10])
    // Starts before the plot: clipped at its left edge.
    expect([...rects.slice(8, 12)]).toEqual([100, 15, 30, 10])
  })

  it('draws a NaN end at now and a row of -1 over the full plot height', () => {
    const data = new Float64Array([0, 1000, NaN, 0, 1, -1, NaN, NaN, 0, 1])
    const { rects, count } = layerRects({ name: 't', data, count: 2, style: {}, minWidthPx: 1, shape: 'rect' }, map, 3000)
    expect(count).toBe(2)
    expect(rects[2]).toBeCloseTo(200)
    expect([...rects.slice(4, 8)]).toEqual([400, 10, 1, 40])
  })

  it('centres a diamond on its start, square, on the y0 line', () => {
    const data = new Float64Array([0, 1000, 1000, 0, 0])
    const { rects, count } = layerRects({ name: 'd', data, count: 1, style: {}, minWidthPx: 8, shape: 'diamond' }, map, 0)
    expect(count).toBe(1)
    // x of 1000 ms is 200; the bar box of row 0 starts at 20 - 10 / 2 = 15.
    expect([...rects.slice(0, 4)]).toEqual([196, 11, 8, 8])
  })
})
