import { afterEach, describe, expect, it } from 'vitest'
import type { RetentionPass } from '../../../src-shared/retention'
import { retentionSchema, type RetentionConfig } from '../../../src-shared/retention-config'
import { EventBus } from '../events/event-bus'
import { openTempStore, removeTempStore, type TempStore } from '../test-support/temp-store'
import { DAY, finishedJob, seedJobs } from '../test-support/retention-history'
import { Retention } from './retention'

let temp: TempStore | undefined
let retention: Retention | undefined
afterEach(async () => {
  await retention?.stop()
  if (temp) removeTempStore(temp)
  temp = retention = undefined
})

function setUp(initial: Record<string, unknown>) {
  const t = (temp = openTempStore('jobdeck-retention-loop-'))
  const events = new EventBus()
  let policy: RetentionConfig = retentionSchema.parse(initial)
  const passes: RetentionPass[] = []
  events.on('retention.ran', ({ pass }) => passes.push(pass))
  retention = new Retention({ db: t.db, tx: (fn) => t.store.relaxedTx(fn), policy: () => policy, events, firstPassMs: 60_000 })
  const change = (next: Record<string, unknown>) => {
    policy = retentionSchema.parse(next)
    events.emit('config.changed', { path: 'jobdeck.yaml', ok: true, errors: [] })
  }
  return { t, events, passes, change, retention }
}

const until = async (ok: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((resolve) => setTimeout(resolve, 10))
}

describe('retention in the engine', () => {
  it('status says what the next pass deletes; a run deletes it, is recorded in meta and announced', async () => {
    const now = Date.now()
    const { t, passes, retention: r } = setUp({ keepLast: 1 })
    seedJobs(t.db, [finishedJob('a', 't', 'succeeded', 40 * DAY, now, 200), finishedJob('b', 't', 'succeeded', 35 * DAY, now), finishedJob('c', 't', 'failed', DAY, now)])
    const before = r.status()
    expect(before.next).toMatchObject({ jobs: 2, runs: 2, capped: false })
    expect(before.size.logs).toBeGreaterThan(0)
    expect(before.size.total).toBe(before.size.runs + before.size.logs + before.size.samples + before.size.other + before.size.wal)
    expect(before.lastPass).toBeNull()
    expect(before.policy.slice(0, 5)).toEqual([
      'succeeded jobs after 30 days',
      'partial jobs after 90 days',
      'failed jobs after 180 days',
      'canceled jobs after 30 days',
      'the newest job that ran of each type is kept whatever its age',
    ])
    const pass = await r.run()
    expect(pass).toMatchObject({ deleted: { jobs: 2, runs: 2 }, scope: 'local', error: null })
    expect(passes).toEqual([pass])
    const after = r.status()
    expect(after.next).toMatchObject({ jobs: 0, runs: 0 })
    expect(after.lastPass).toEqual(pass)
    // Another process reading the same file sees the same last pass.
    expect(new Retention({ db: t.db, tx: (fn) => t.store.relaxedTx(fn), policy: () => retentionSchema.parse({}), events: new EventBus() }).status().lastPass).toEqual(pass)
  })

  it('a changed policy applies at once when the runner runs retention, not at the next interval', async () => {
    const now = Date.now()
    const { t, passes, change, retention: r } = setUp({ keepLast: 0 })
    seedJobs(t.db, [finishedJob('a', 't', 'succeeded', 10 * DAY, now), finishedJob('b', 't', 'succeeded', DAY, now)])
    r.start()
    expect(r.status().nextPassAt).not.toBeNull()
    change({ keepLast: 0, succeeded: '5d' })
    await until(() => passes.length > 0)
    expect(passes[0]?.deleted.jobs).toBe(1)
    expect(t.db.prepare(`SELECT id FROM jobs`).pluck().all()).toEqual(['b'])
  })

  it('an unchanged policy on a config reload waits for its interval', async () => {
    const { passes, change, retention: r } = setUp({})
    r.start()
    change({})
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(passes).toEqual([])
  })
})
