import { afterEach, describe, expect, it } from 'vitest'
import { makeTestEnv, waitFor, waitForTerminal, type TestEnv } from '../test-support/test-env'

const CONFIG = `
runner: { concurrency: 2 }
lanes: { "dealer:*": { limit: 1 } }
jobs:
  nap:
    command: [node, scripts/sleep.js, "{ms}"]
    params:
      ms: { type: integer, default: 50 }
      dealer: { type: string, default: "1" }
    lane: "dealer:{dealer}"
    retries: { max: 3, base: 1s }
  boom:
    command: [node, scripts/fail.js]
`

let env: TestEnv
afterEach(() => env.cleanup())

describe('job queries for the Queue view', () => {
  it('runner.status gives each run and waiting job what such runs usually take, and the limits in force', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const done = [
      await core.api['jobs.enqueue']({ type: 'nap', params: { ms: 400 } }),
      await core.api['jobs.enqueue']({ type: 'nap', params: { ms: 10, dealer: '2' } }),
    ]
    core.startRunner()
    await waitForTerminal(core, done.map((j) => j.id))
    await core.api['runner.pause']({})
    await core.api['jobs.enqueue']({ type: 'nap', params: { ms: 400 } })
    await core.api['jobs.enqueue']({ type: 'nap', params: { ms: 999 } })
    await core.api['jobs.enqueue']({ type: 'boom', params: {} })
    const status = await core.api['runner.status']({ limit: 10 })
    const [same, other, never] = status.queued
    expect(same?.expected).toMatchObject({ basis: 'params', samples: 1 })
    expect(same?.expected?.p50Ms).toBeGreaterThanOrEqual(400)
    expect(other?.expected).toMatchObject({ basis: 'type', samples: 2 })
    expect(never?.expected).toBeNull()
    expect(status.limits).toEqual({
      concurrency: 2,
      maxConcurrency: 2,
      minConcurrency: 2,
      adaptive: false,
      concurrencyReason: null,
      lanes: { 'dealer:1': 1, default: 1 },
      rates: {},
    })
  })

  it('jobs.get says where a waiting job stands and why; jobs.list counts the failures of a window', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    await core.api['runner.pause']({})
    const first = await core.api['jobs.enqueue']({ type: 'nap', params: {} })
    const second = await core.api['jobs.enqueue']({ type: 'nap', params: {} })
    expect(await core.api['jobs.get']({ id: second.id })).toMatchObject({ position: 2, waitReason: { kind: 'no-runner', shared: false }, attempts: [] })
    core.startRunner()
    expect(await core.api['jobs.get']({ id: second.id })).toMatchObject({ position: 2, waitReason: { kind: 'paused' } })
    await core.api['runner.resume']({})
    await waitForTerminal(core, [first.id, second.id])
    expect((await core.api['jobs.get']({ id: second.id })).position).toBeNull()

    const failed = await core.api['jobs.enqueue']({ type: 'boom', params: {} })
    await waitFor(() => core.store.getJob(failed.id).status === 'failed', 10_000, 'the failure')
    const list = await core.api['jobs.list']({ status: 'failed', since: Date.now() - 86_400_000, limit: 10, countUpTo: 100 })
    expect(list).toMatchObject({ count: 1, countCapped: false, next: null })
    expect(list.jobs.map((j) => j.id)).toEqual([failed.id])
    expect((await core.api['jobs.list']({ status: 'failed', since: Date.now() + 1000, limit: 10, countUpTo: 100 })).count).toBe(0)
  })

  it('jobs.restore undoes a cancel made while the job waited, through the API', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    await core.api['runner.pause']({})
    const a = await core.api['jobs.enqueue']({ type: 'nap', params: {}, priority: 'high' })
    const b = await core.api['jobs.enqueue']({ type: 'nap', params: {} })
    await core.api['jobs.cancel']({ id: a.id })
    expect((await core.api['runner.status']({ limit: 10 })).queued.map((j) => j.id)).toEqual([b.id])
    expect(await core.api['jobs.restore']({ id: a.id })).toMatchObject({ status: 'queued', priority: 'high' })
    expect((await core.api['runner.status']({ limit: 10 })).queued.map((j) => j.id)).toEqual([a.id, b.id])
  })
})
