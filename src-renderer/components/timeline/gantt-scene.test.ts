import { describe, expect, it } from 'vitest'
import type { TimelineItem } from '../../../src-shared/domain'
import { STATUS_HEX } from '../../status'
import { buildScene, layerRects, STRIDE, type PlotMapping, type SceneInput } from './gantt-scene'

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
  overlapColor: '#f00',
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

  it('draws bucketed runs as stacked blocks and counts them for hit-testing', () => {
    const scene = buildScene(
      input({
        buckets: [
          { row: 'a', start: 0, end: 10, count: 3, byStatus: { succeeded: 2, failed: 1 } },
          { row: 'a', start: 10, end: 20, count: 1, byStatus: { succeeded: 1 } },
        ],
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
})

describe('layerRects', () => {
  const map: PlotMapping = { originX: 100, originT: 0, pxPerMs: 0.1, row0Y: 20, band: 20, box: 10, clip: { x: 100, y: 10, width: 500, height: 40 } }

  it('maps time to x and rows to y, clips to the plot and keeps a minimum width', () => {
    const data = new Float64Array([0, 1000, 2000, 0, 1, 1, 100, 101, 0, 1, 0, 9000, 9500, 0, 1, 0, -500, 300, 0, 1])
    const { rects, count } = layerRects({ name: 't', data, count: data.length / STRIDE, style: {}, minWidthPx: 2 }, map, 0)
    expect(count).toBe(3)
    expect([...rects.slice(0, 4)]).toEqual([200, 15, 100, 10])
    // 1 ms long: drawn 2 px wide, one row further down.
    expect([...rects.slice(4, 8)]).toEqual([110, 35, 2, 10])
    // Starts before the plot: clipped at its left edge.
    expect([...rects.slice(8, 12)]).toEqual([100, 15, 30, 10])
  })

  it('draws a NaN end at now and a row of -1 over the full plot height', () => {
    const data = new Float64Array([0, 1000, NaN, 0, 1, -1, NaN, NaN, 0, 1])
    const { rects, count } = layerRects({ name: 't', data, count: 2, style: {}, minWidthPx: 1 }, map, 3000)
    expect(count).toBe(2)
    expect(rects[2]).toBeCloseTo(200)
    expect([...rects.slice(4, 8)]).toEqual([400, 10, 1, 40])
  })
})
