import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunFilter } from '../store-types'
import { insertRuns, type TestRun } from '../../test-support/source-rows'
import { openTempStore, removeTempStore, type TempStore } from '../../test-support/temp-store'
import { runListQuery } from './history-reads'

const T0 = Date.parse('2026-03-01T00:00:00Z')
const min = 60_000

// Jobdeck's own runs and two sources' rows, with the same words in errors on both sides.
const RUNS: TestRun[] = [
  { id: 'own-ok', source: null, type: 'sync', lane: 'default', status: 'succeeded', startedAt: T0, finishedAt: T0 + min },
  { id: 'own-failed', source: null, type: 'sync', lane: 'default', status: 'failed', startedAt: T0 + 2 * min, finishedAt: T0 + 3 * min, error: 'billing API timed out' },
  { id: '1', source: 'legacy', type: 'report', lane: 'legacy', status: 'succeeded', startedAt: T0 + min, finishedAt: T0 + 5 * min },
  { id: '2', source: 'legacy', type: 'report', lane: 'legacy', status: 'failed', startedAt: T0 + 4 * min, finishedAt: T0 + 6 * min, error: 'billing export failed: disk full' },
  { id: '3', source: 'legacy', type: 'invoice', lane: 'legacy', status: 'running', startedAt: T0 + 7 * min, finishedAt: null, startKind: 'observed', stuckAt: T0 + 40 * min },
  { id: '4', source: 'legacy', type: 'report', lane: 'legacy', status: 'succeeded', startedAt: T0 + 8 * min, finishedAt: T0 + 8 * min, startKind: 'unknown' },
  { id: '9', source: 'batch', type: 'batch', lane: 'batch', status: 'failed', startedAt: T0 + 9 * min, finishedAt: T0 + 10 * min, error: 'billing batch PARTIALLY failed' },
]

let temp: TempStore
beforeAll(() => {
  temp = openTempStore('source-history')
  insertRuns(temp.db, RUNS)
})
afterAll(() => removeTempStore(temp))

const ids = (filter: Omit<RunFilter, 'limit'>): string[] => temp.store.listRuns({ ...filter, limit: 100 }).map((r) => r.id)

describe('History by source', () => {
  it('lists one source\'s runs, or Jobdeck\'s own only, newest first, page by page', () => {
    expect(ids({ source: 'legacy' })).toEqual(['legacy:4/run', 'legacy:3/run', 'legacy:2/run', 'legacy:1/run'])
    expect(ids({ source: '-' })).toEqual(['own-failed', 'own-ok'])
    expect(ids({ source: 'batch', status: 'failed' })).toEqual(['batch:9/run'])
    expect(ids({ source: 'legacy', type: 'legacy/invoice' })).toEqual(['legacy:3/run'])
    expect(ids({ source: 'batch', type: 'legacy/invoice' })).toEqual([])
    const first = temp.store.listRuns({ source: 'legacy', limit: 2 })
    const last = first[first.length - 1]
    expect(ids({ source: 'legacy', before: { startedAt: Date.parse(last?.startedAt ?? ''), id: last?.id ?? '' } })).toEqual(['legacy:2/run', 'legacy:1/run'])
    const [stuck] = temp.store.listRuns({ source: 'legacy', status: 'running', limit: 1 })
    expect(stuck).toMatchObject({ source: 'legacy', sourceId: '3', startKind: 'observed', stuckAt: new Date(T0 + 40 * min).toISOString() })
  })

  it('reads a source\'s runs by its own index', () => {
    const { sql, args } = runListQuery({ source: 'legacy', limit: 10 })
    const plan = (temp.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(args) as Array<{ detail: string }>).map((p) => p.detail).join('\n')
    expect(plan).toMatch(/USING INDEX runs_source_started/)
    expect(plan).not.toMatch(/TEMP B-TREE/)
  })

  it('counts by source from the counters as the list counts them, and within a window up to the cap', () => {
    const filters: Array<Omit<RunFilter, 'limit'>> = [
      { source: 'legacy' }, { source: '-' }, { source: 'batch' }, { source: 'legacy', status: 'running' },
      { source: 'legacy', status: 'failed' }, { source: '-', status: 'failed' }, { source: 'legacy', type: 'legacy/report' },
      { source: 'legacy', since: T0 + 3 * min }, { source: '-', until: T0 + min },
    ]
    for (const filter of filters) {
      expect({ filter, ...temp.store.countRuns(filter, 100) }).toEqual({ filter, count: ids(filter).length, capped: false })
    }
    expect(temp.store.countRuns({ source: 'legacy', since: T0 }, 2)).toEqual({ count: 2, capped: true })
  })

  it('searches within a source, or within Jobdeck\'s own runs', () => {
    expect(ids({ search: 'billing' })).toEqual(['batch:9/run', 'legacy:2/run', 'own-failed'])
    expect(ids({ search: 'billing', source: 'legacy' })).toEqual(['legacy:2/run'])
    expect(ids({ search: 'billing', source: '-' })).toEqual(['own-failed'])
    expect(ids({ search: 'billing disk', source: 'legacy' })).toEqual(['legacy:2/run'])
    expect(ids({ search: 'billing', source: 'batch', status: 'failed' })).toEqual(['batch:9/run'])
    expect(temp.store.countRuns({ search: 'billing', source: 'legacy' }, 100)).toEqual({ count: 1, capped: false })
    expect(temp.store.countRuns({ search: 'billing', source: '-' }, 100)).toEqual({ count: 1, capped: false })
    expect(temp.store.countRuns({ search: 'billing failed', source: 'batch' }, 100)).toEqual({ count: 1, capped: false })
  })

  it('marks source runs on the Timeline: how a start is known when not recorded, and stuck; own runs carry nothing more', () => {
    const page = temp.store.timeline({ since: T0, until: T0 + 60 * min, groupBy: 'lane', bucketMs: 1, maxItems: 100, now: T0 + 45 * min })
    const byId = new Map(page.items.map((i) => [i.id, i]))
    expect(byId.get('legacy:3/run')).toMatchObject({ startKind: 'observed', stuck: true })
    expect(byId.get('legacy:4/run')).toMatchObject({ startKind: 'unknown' })
    expect(byId.get('legacy:2/run')).not.toHaveProperty('startKind')
    expect(byId.get('legacy:2/run')).not.toHaveProperty('stuck')
    expect(Object.keys(byId.get('own-failed') ?? {}).sort()).toEqual(['attempt', 'finishedAt', 'id', 'jobId', 'lane', 'queuedAt', 'startedAt', 'status', 'type'])
  })

  it('draws one source, or Jobdeck\'s own, on the Timeline: listed runs and the ones counted per bucket alike', () => {
    const at = { since: T0, until: T0 + 60 * min, groupBy: 'type' as const, now: T0 + 45 * min }
    const listed = (source?: string) => temp.store.timeline({ ...at, bucketMs: 1, maxItems: 100, ...(source ? { source } : {}) }).items.map((i) => i.id).sort()
    expect(listed()).toHaveLength(RUNS.length)
    expect(listed('legacy')).toEqual(['legacy:1/run', 'legacy:2/run', 'legacy:3/run', 'legacy:4/run'])
    expect(listed('batch')).toEqual(['batch:9/run'])
    expect(listed('-')).toEqual(['own-failed', 'own-ok'])
    // Every run shorter than a bucket is counted instead of listed: the counts keep to the source too.
    const counted = (source: string) => temp.store.timeline({ ...at, bucketMs: 50 * min, maxItems: 100, source })
    const legacy = counted('legacy')
    expect(legacy.total).toBe(4)
    expect(legacy.rows).toEqual(['legacy/invoice', 'legacy/report'])
    expect(counted('-').rows).toEqual(['sync'])
  })
})
