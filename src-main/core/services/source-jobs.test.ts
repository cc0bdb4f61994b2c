// A source's rows are jobs the window lists beside Jobdeck's own, but only their own system runs
// them: the Queue's failure list can leave them out, and no control of Jobdeck's acts on them.
import { afterEach, describe, expect, it } from 'vitest'
import { insertRuns, CONFIG_WITH_SOURCE } from '../test-support/source-rows'
import { makeTestEnv, type TestEnv } from '../test-support/test-env'

let env: TestEnv
afterEach(() => env.cleanup())

describe('a source\'s jobs in the jobs API', () => {
  it('jobs.list filters by source, and cancel, restore, retry and priority refuse a source row naming it', async () => {
    env = makeTestEnv(CONFIG_WITH_SOURCE)
    const core = env.open()
    const now = Date.now()
    insertRuns(core.store.db, [
      { id: '7', source: 'legacy', type: 'report', lane: 'legacy', status: 'failed', startedAt: now - 5_000, finishedAt: now - 4_000, error: 'upstream timeout' },
      { id: '8', source: 'legacy', type: 'report', lane: 'legacy', status: 'running', startedAt: now - 3_000, finishedAt: null },
      { id: 'own-1', source: null, type: 'sync', lane: 'default', status: 'failed', startedAt: now - 2_000, finishedAt: now - 1_000, error: 'exit code 1' },
    ])
    const since = now - 60_000
    const ids = async (source?: string) =>
      (await core.api['jobs.list']({ status: 'failed', since, limit: 10, countUpTo: 100, ...(source ? { source } : {}) })).jobs.map((j) => j.id).sort()
    expect(await ids()).toEqual(['job-own-1', 'legacy:7'])
    expect(await ids('-')).toEqual(['job-own-1'])
    expect(await ids('legacy')).toEqual(['legacy:7'])

    for (const [call, id] of [
      [() => core.api['jobs.retry']({ id: 'legacy:7' }), 'legacy:7'],
      [() => core.api['jobs.cancel']({ id: 'legacy:8/run' }), 'legacy:8'],
      [() => core.api['jobs.restore']({ id: 'legacy:7' }), 'legacy:7'],
      [() => core.api['jobs.setPriority']({ id: 'legacy:8', priority: 'urgent' }), 'legacy:8'],
    ] as const) {
      await expect(call()).rejects.toThrow(new RegExp(`${id} is row \\d of source legacy, run by its own system's workers`))
    }
    // Nothing changed: the failed row is still failed, the running one still running and not asked to stop.
    expect(core.store.getJob('legacy:7').status).toBe('failed')
    expect(core.store.getJob('legacy:8')).toMatchObject({ status: 'running', cancelRequested: false, priority: 'normal' })
    // Jobdeck's own failure is still retried.
    expect((await core.api['jobs.retry']({ id: 'job-own-1' })).status).toBe('queued')
  })
})
