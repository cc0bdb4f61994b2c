// Lane rates and "Start now" in shared mode: two instances (each with its own data dir and
// cache) on one real PostgreSQL database; the rate is counted there, across both runners.
import { describe, expect, it } from 'vitest'
import type { Core } from '../core'
import { ScriptedSampler } from '../test-support/host-samples'
import { busiestWindow } from '../test-support/run-windows'
import { cachedStatus, useSharedDatabase } from '../test-support/shared-instances'
import { sleep, waitFor } from '../test-support/test-env'

const shared = useSharedDatabase('jobdeck_rates')

const CONFIG = `
monitor:
  interval: 100ms
runner: { concurrency: 1 }
lanes:
  "crm:*": { limit: 3, rate: 5/2s }
jobs:
  call:
    command: [node, scripts/sleep.js, "{ms}"]
    params:
      ms: { type: integer, default: 250 }
      lane: { type: string, default: "crm:1" }
    lane: "{lane}"
  heavy:
    command: [node, scripts/sleep.js, "20"]
    needs: { freeMemory: 2GiB }
`

/** An instance on the shared database, on a host as sampled (quiet unless told). */
function instance(sampler = new ScriptedSampler()): Core {
  return shared.open(shared.env(CONFIG), { hostSampler: sampler })
}

async function terminal(core: Core, ids: readonly string[], ms = 40_000): Promise<void> {
  await waitFor(() => ids.every((id) => ['succeeded', 'failed', 'canceled'].includes(cachedStatus(core, id))), ms, 'jobs to finish in the cache')
}

describe('shared mode: lane rates and start now', () => {
  it('a rate of 5 per 2 s holds across two runners: no 2 s window of the runs they started holds more than 5', async () => {
    const a = instance()
    const b = instance()
    await Promise.all([a.ready(), b.ready()])
    const jobs = await a.api['jobs.enqueueBulk']({ type: 'call', rows: Array.from({ length: 20 }, () => ({})) })
    a.startRunner()
    b.startRunner()
    await terminal(a, jobs.map((j) => j.id))
    const runs = a.store.listRuns({ limit: 100 }).filter((r) => r.type === 'call')
    expect(runs).toHaveLength(20)
    // One run at a time per runner, each longer than the rate's spacing: both runners took part,
    // and together they kept the lane's rate.
    expect(new Set(runs.map((r) => r.runnerId)).size).toBe(2)
    expect(busiestWindow(runs, 2000)).toBe(5)
    await Promise.all([a.close(), b.close()])
  }, 60_000)

  it('start now lets a job the gate holds be claimed once, recorded on its run; the next of its type still waits', async () => {
    const a = instance(new ScriptedSampler({ availableBytes: 1024 ** 3, memUsedPercent: 60 }))
    await a.ready()
    a.startRunner()
    await waitFor(() => a.monitor()?.latest(), 5000, 'a first sample')
    const [asked, other] = await a.api['jobs.enqueueBulk']({ type: 'heavy', rows: [{}, {}] })
    await sleep(300)
    expect(cachedStatus(a, asked!.id)).toBe('queued')
    const marked = await a.api['jobs.startNow']({ id: asked!.id })
    expect(marked.startNow).toBe(true)
    await terminal(a, [asked!.id], 10_000)
    const done = a.store.getJob(asked!.id)
    expect(done.status).toBe('succeeded')
    expect(done.startNow).toBeUndefined()
    expect(a.store.getRun(done.lastRunId!).gateBypassed).toBe(true)
    await sleep(500)
    expect(cachedStatus(a, other!.id)).toBe('queued')
    await a.close()
  }, 30_000)
})
