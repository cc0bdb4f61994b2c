import { afterEach, describe, expect, it } from 'vitest'
import { JobdeckError } from '../../../src-shared/errors'
import { CONFIG_WITH_SOURCE, insertRuns, type TestRun } from '../test-support/source-rows'
import { makeTestEnv, type TestEnv } from '../test-support/test-env'


const min = 60_000
// A day ago: the running row extends to now.
const T0 = Math.floor(Date.now() / min) * min - 1_440 * min
const RUNS: TestRun[] = [
  { id: 'own-1', source: null, type: 'sync', lane: 'default', status: 'succeeded', startedAt: T0, finishedAt: T0 + 10 * min },
  { id: '7', source: 'legacy', type: 'report', lane: 'legacy', status: 'running', startedAt: T0 + 5 * min, finishedAt: null, startKind: 'observed', stuckAt: T0 + 35 * min },
  // A source no longer in the config: its rows stay in the cache and stay readable.
  { id: 'b1', source: 'old', type: 'batch', lane: 'old', status: 'failed', startedAt: T0 + 6 * min, finishedAt: T0 + 8 * min, error: 'gone' },
]

let env: TestEnv
afterEach(() => env.cleanup())

function open() {
  env = makeTestEnv(CONFIG_WITH_SOURCE)
  const core = env.open()
  insertRuns(core.store.db, RUNS)
  return core
}

async function refused(promise: Promise<unknown>): Promise<JobdeckError> {
  const error = await promise.then(() => null, (e: unknown) => e)
  expect(error).toBeInstanceOf(JobdeckError)
  return error as JobdeckError
}

describe('reads filtered by source, through the API', () => {
  it('take a configured source, a source the cache still holds, or - for Jobdeck\'s own; a typo is refused naming the choices', async () => {
    const core = open()
    expect((await core.api['runs.list']({ limit: 10, source: 'legacy' })).map((r) => r.id)).toEqual(['legacy:7/run'])
    expect((await core.api['runs.list']({ limit: 10, source: 'old' })).map((r) => r.id)).toEqual(['old:b1/run'])
    expect((await core.api['runs.list']({ limit: 10, source: '-' })).map((r) => r.id)).toEqual(['own-1'])
    expect(await core.api['runs.count']({ source: 'legacy', countUpTo: 100 })).toEqual({ count: 1, capped: false })
    const error = await refused(core.api['runs.list']({ limit: 10, source: 'legcy' }))
    expect(error.code).toBe('invalid_input')
    expect(error.message).toBe('runs.list: source: no source named "legcy" (expected one of legacy, or - for Jobdeck\'s own runs)')
    expect((await refused(core.api['overlaps.list']({ since: T0, source: 'legcy', limit: 10 }))).message).toMatch(/^overlaps\.list: source: no source named "legcy"/)
  })

  it('export a source\'s rows as CSV with where they come from, their own id, how the start is known and when they got stuck', async () => {
    const core = open()
    const { csv, rows } = await core.api['runs.export']({ source: 'legacy', limit: 100 })
    expect(rows).toBe(1)
    const [header, line] = csv.trim().split('\r\n')
    const cells = Object.fromEntries((header ?? '').split(',').map((name, i) => [name, (line ?? '').split(',')[i]]))
    expect(cells).toMatchObject({ id: 'legacy:7/run', type: 'legacy/report', source: 'legacy', sourceId: '7', startKind: 'observed', stuckAt: new Date(T0 + 35 * min).toISOString() })
    const own = (await core.api['runs.export']({ source: '-', limit: 100 })).csv.trim().split('\r\n')[1] ?? ''
    expect(own.endsWith(',,,recorded,')).toBe(true)
  })

  it('overlaps.list: Jobdeck\'s run and the stuck source row shared five minutes; the window defaults to now', async () => {
    const core = open()
    const found = await core.api['overlaps.list']({ since: new Date(T0).toISOString(), limit: 10 })
    expect(found.map((o) => [o.a.runId, o.b.runId, o.seconds, o.sameLane])).toEqual([
      ['own-1', 'legacy:7/run', 300, false],
      ['legacy:7/run', 'old:b1/run', 120, false],
      ['own-1', 'old:b1/run', 120, false],
    ])
    expect((await core.api['overlaps.list']({ since: T0, source: 'old', limit: 1 })).map((o) => o.b.runId)).toEqual(['old:b1/run'])
    expect((await refused(core.api['overlaps.list']({ since: T0, until: T0, limit: 10 }))).message).toBe('overlaps.list: until must be after since')
  })
})
