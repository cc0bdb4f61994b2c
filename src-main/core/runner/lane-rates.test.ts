import { afterEach, describe, expect, it, vi } from 'vitest'
import { ScriptedSampler } from '../test-support/host-samples'
import { busiestWindow } from '../test-support/run-windows'
import { makeTestEnv, sleep, waitFor, waitForTerminal, type TestEnv } from '../test-support/test-env'
import { holdOf, LaneWindows } from './lane-rates'

const CONFIG = `
monitor:
  interval: 100ms
runner: { concurrency: 4 }
lanes:
  "crm:*": { limit: 4, rate: 5/2s }
  slow: { limit: 1, rate: 2/3s }
jobs:
  call:
    command: [node, scripts/sleep.js, "20"]
    params:
      lane: { type: string, default: "crm:1" }
    lane: "{lane}"
  heavy:
    command: [node, scripts/sleep.js, "20"]
    needs: { freeMemory: 2GiB }
`

let env: TestEnv
afterEach(() => env.cleanup())

/** A core on a quiet host as sampled (the suite's own load on a small machine must not trip the gate), or on the host given. */
function open(sampler = new ScriptedSampler()): ReturnType<TestEnv['open']> {
  return env.open({ hostSampler: sampler })
}

/** Two jobs on lane `slow` (2 per 3 s): run until both finished, which fills its window. */
async function runTwoOnSlow(core: ReturnType<TestEnv['open']>): Promise<void> {
  const jobs = await core.api['jobs.enqueueBulk']({ type: 'call', rows: [{ lane: 'slow' }, { lane: 'slow' }] })
  core.startRunner()
  await waitForTerminal(core, jobs.map((j) => j.id))
}

describe('lane rates', () => {
  it('a rate of 5 per 2 s over 20 quick jobs: no 2 s window holds more than 5 starts, and the runner waits on one timer, never spinning', async () => {
    env = makeTestEnv(CONFIG)
    const core = open()
    const claims = vi.spyOn(core.store, 'claim')
    const finishes = vi.spyOn(core.store, 'finishAndClaim')
    const jobs = await core.api['jobs.enqueueBulk']({ type: 'call', rows: Array.from({ length: 20 }, () => ({})) })
    core.startRunner()
    await waitForTerminal(core, jobs.map((j) => j.id), 30_000)
    const runs = core.store.listRuns({ limit: 100 })
    expect(runs).toHaveLength(20)
    expect(busiestWindow(runs, 2000)).toBe(5)
    // Four windows' worth of waiting: the claims are the held lane's wakes and the finishes'
    // claims, a few dozen at most; a runner polling the held lane would make thousands.
    expect(claims.mock.calls.length + finishes.mock.calls.length).toBeLessThan(80)
  }, 40_000)

  it('a held job says why and when it may start, in the runner status and jobs.get', async () => {
    env = makeTestEnv(CONFIG)
    const core = open()
    await runTwoOnSlow(core)
    const held = await core.api['jobs.enqueue']({ type: 'call', params: { lane: 'slow' } })
    const oldest = Math.min(...core.store.listRuns({ limit: 10 }).map((r) => Date.parse(r.startedAt)))
    const got = await core.api['jobs.get']({ id: held.id })
    const reason = { kind: 'rate-limited', lane: 'slow', rate: '2/3s', limit: 2, windowMs: 3000, nextAt: new Date(oldest + 3000).toISOString() }
    expect(got.waitReason).toEqual(reason)
    const status = await core.api['runner.status']({ limit: 10 })
    expect(status.queued.find((j) => j.id === held.id)?.waitReason).toEqual(reason)
    const [done] = await waitForTerminal(core, [held.id])
    expect(Date.parse(core.store.getRun(done!.lastRunId!).startedAt)).toBeGreaterThanOrEqual(oldest + 3000)
  }, 20_000)

  it('a restart keeps the window: the runs recorded before it still count', async () => {
    env = makeTestEnv(CONFIG)
    const before = open()
    await runTwoOnSlow(before)
    await before.close()
    const after = open()
    await runTwoOnSlow(after)
    const runs = after.store.listRuns({ limit: 10 })
    expect(runs).toHaveLength(4)
    expect(busiestWindow(runs, 3000)).toBe(2)
  }, 20_000)

  it('counts a window per lane a pattern matches, and frees a lane when its oldest counted start leaves', () => {
    const rate = { limit: 2, windowMs: 1000, text: '2/s' }
    const windows = new LaneWindows((lane) => (lane.startsWith('crm:') ? rate : null))
    windows.seed([{ lane: 'crm:1', at: 100 }, { lane: 'crm:1', at: 50 }, { lane: 'crm:2', at: 60 }, { lane: 'other', at: 70 }])
    expect(windows.startsLeft('crm:1', 500)).toBe(0)
    expect(windows.startsLeft('crm:2', 500)).toBe(1)
    expect(windows.startsLeft('other', 500)).toBe(Infinity)
    expect(windows.hold('crm:1', 500)).toEqual({ rate, nextAt: 1050 })
    expect(windows.earliestNextAt(500)).toBe(1050)
    expect(windows.startsLeft('crm:1', 1050)).toBe(1)
    // A rate lowered below the starts already in the window frees the lane only once enough left.
    expect(holdOf({ limit: 1, windowMs: 1000, text: '1/s' }, [10, 20, 30])?.nextAt).toBe(1030)
  })
})

describe('start now', () => {
  it('lets a job held by the gate start once, recorded on its run; the next job of the type still waits', async () => {
    env = makeTestEnv(CONFIG)
    const core = open(new ScriptedSampler({ availableBytes: 1024 ** 3, memUsedPercent: 60 }))
    core.startRunner()
    const [asked, other] = await core.api['jobs.enqueueBulk']({ type: 'heavy', rows: [{}, {}] })
    await waitFor(() => core.store.getJob(asked!.id).status === 'queued' && core.monitor()?.latest(), 5000, 'a first sample')
    await sleep(200)
    expect((await core.api['jobs.get']({ id: asked!.id })).waitReason?.kind).toBe('gate')
    const marked = await core.api['jobs.startNow']({ id: asked!.id })
    expect(marked.startNow).toBe(true)
    const [done] = await waitForTerminal(core, [asked!.id], 5000)
    expect(done?.status).toBe('succeeded')
    expect(done?.startNow).toBeUndefined()
    expect(core.store.getRun(done!.lastRunId!).gateBypassed).toBe(true)
    expect(core.store.getJob(other!.id).status).toBe('queued')
    expect((await core.api['jobs.get']({ id: other!.id })).waitReason?.kind).toBe('gate')
    await expect(core.api['jobs.startNow']({ id: asked!.id })).rejects.toThrow(`job ${asked!.id} cannot start now: it is succeeded; retry it to run it again`)
  }, 20_000)
})
