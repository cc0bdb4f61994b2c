import { afterEach, describe, expect, it } from 'vitest'
import type { Run } from '../../../src-shared/domain'
import { JobdeckError } from '../../../src-shared/errors'
import { isAlive } from '../process/process-tree'
import { makeTestEnv, sleep, waitFor, waitForTerminal, type TestEnv } from '../test-support/test-env'

const CONFIG = `
runner: { concurrency: 3 }
lanes:
  wide: { limit: 2 }
jobs:
  nap:
    command: [node, scripts/sleep.js, "{ms}", "{tag}"]
    params:
      ms: { type: integer, default: 150 }
      tag: { type: string }
      lane: { type: string, default: default }
    lane: "{lane}"
  flaky:
    command: [node, scripts/fail.js]
    retries: { max: 2, backoff: fixed, base: 200ms, jitter: false }
  items:
    command: [node, scripts/items.js, "{ok}", "{failed}"]
    params:
      ok: { type: integer, required: true }
      failed: { type: integer, required: true }
  stubborn:
    command: [node, scripts/stubborn.js]
    killGrace: 300ms
  slowpoke:
    command: [node, scripts/sleep.js, "5000"]
    timeout: 300ms
    killGrace: 200ms
  progress:
    command: [node, scripts/progress.js]
  once-only:
    command: [node, scripts/sleep.js, "5000"]
    onInterrupt: fail
`

function overlaps(runs: Run[]): boolean {
  const sorted = [...runs].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt))
  return sorted.some((run, i) => i > 0 && Date.parse(run.startedAt) < Date.parse(sorted[i - 1]?.finishedAt ?? ''))
}

let env: TestEnv
afterEach(() => env.cleanup())

describe('runner', () => {
  it('runs a lane strictly one at a time even when the runner could run more', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const jobs = await core.api['jobs.enqueueBulk']({
      type: 'nap',
      rows: [1, 2, 3, 4, 5].map((i) => ({ ms: 120, tag: `n${i}`, lane: 'dealer:1' })),
    })
    core.startRunner()
    await waitForTerminal(core, jobs.map((j) => j.id))
    const runs = core.store.listRuns({ limit: 100 })
    expect(runs).toHaveLength(5)
    expect(runs.every((r) => r.status === 'succeeded' && r.lane === 'dealer:1')).toBe(true)
    expect(overlaps(runs)).toBe(false)
  })

  it('a run claimed into the slot another frees starts when that one ended, not a clock tick before', async () => {
    env = makeTestEnv(CONFIG)
    // A clock that moves on every reading: two readings for one moment would show in the record.
    let tick = Date.now()
    const core = env.open({ runner: { pollMs: 20, now: () => ++tick } })
    const jobs = await core.api['jobs.enqueueBulk']({ type: 'nap', rows: [1, 2, 3].map(() => ({ ms: 10, lane: 'dealer:2' })) })
    core.startRunner()
    await waitForTerminal(core, jobs.map((j) => j.id))
    const runs = core.store.listRuns({ limit: 100 }).sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt))
    expect(runs).toHaveLength(3)
    for (let i = 1; i < runs.length; i++) expect(Date.parse(runs[i]!.startedAt)).toBeGreaterThanOrEqual(Date.parse(runs[i - 1]!.finishedAt ?? ''))
  })

  it('runs different lanes in parallel when the limits allow', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const jobs = [
      // a and b end first, so the second wide job starts while the first still runs (with three
      // equal naps the first wide one could end first and leave its lane nothing to overlap).
      ...(await core.api['jobs.enqueueBulk']({ type: 'nap', rows: [{ ms: 150, lane: 'a' }, { ms: 150, lane: 'b' }] })),
      ...(await core.api['jobs.enqueueBulk']({ type: 'nap', rows: [{ ms: 1500, lane: 'wide' }, { ms: 1500, lane: 'wide' }] })),
    ]
    core.startRunner()
    await waitForTerminal(core, jobs.map((j) => j.id))
    const runs = core.store.listRuns({ limit: 100 })
    expect(overlaps(runs)).toBe(true)
    const wide = runs.filter((r) => r.lane === 'wide')
    expect(overlaps(wide)).toBe(true) // limit 2
    const maxConcurrent = Math.max(
      ...runs.map((r) => runs.filter((o) => o.startedAt <= r.startedAt && (o.finishedAt ?? '') > r.startedAt).length),
    )
    expect(maxConcurrent).toBeLessThanOrEqual(3) // runner.concurrency
  })

  it('takes urgent before high before normal, oldest first within a priority', async () => {
    env = makeTestEnv(CONFIG.replace('concurrency: 3', 'concurrency: 1'))
    const core = env.open()
    await core.api['runner.pause']({})
    core.startRunner()
    const a = await core.api['jobs.enqueue']({ type: 'nap', params: { ms: 10, tag: 'a' } })
    const b = await core.api['jobs.enqueue']({ type: 'nap', params: { ms: 10, tag: 'b' }, priority: 'high' })
    const c = await core.api['jobs.enqueue']({ type: 'nap', params: { ms: 10, tag: 'c' } })
    const d = await core.api['jobs.enqueue']({ type: 'nap', params: { ms: 10, tag: 'd' }, priority: 'urgent' })
    const e = await core.api['jobs.enqueue']({ type: 'nap', params: { ms: 10, tag: 'e' }, priority: 'high' })
    await sleep(100)
    expect(core.store.listRuns({ limit: 10 })).toHaveLength(0) // paused: nothing started
    await core.api['runner.resume']({})
    await waitForTerminal(core, [a, b, c, d, e].map((j) => j.id))
    const order = core.store
      .listRuns({ limit: 10 })
      .reverse()
      .map((r) => r.params.tag)
    expect(order).toEqual(['d', 'b', 'e', 'a', 'c'])
  })

  it('retries a failing job with its backoff, then fails it with the error', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const job = await core.api['jobs.enqueue']({ type: 'flaky', params: {} })
    core.startRunner()
    const [done] = await waitForTerminal(core, [job.id])
    expect(done?.status).toBe('failed')
    expect(done?.error).toMatch(/exit code 2: boom: the API said 503/)
    const runs = core.store.runsOfJob(job.id)
    expect(runs.map((r) => r.attempt)).toEqual([1, 2, 3])
    expect(runs.every((r) => r.status === 'failed')).toBe(true)
    for (let i = 1; i < runs.length; i++) {
      const gap = Date.parse(runs[i]?.startedAt ?? '') - Date.parse(runs[i - 1]?.finishedAt ?? '')
      expect(gap).toBeGreaterThanOrEqual(190)
      // The wait segment of a retry starts when its backoff ends.
      expect(Date.parse(runs[i]?.queuedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(runs[i - 1]?.finishedAt ?? '') + 190)
    }
  })

  it('marks a run partial when some items failed and some succeeded', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const partial = await core.api['jobs.enqueue']({ type: 'items', params: { ok: 12, failed: 3 } })
    const allFailed = await core.api['jobs.enqueue']({ type: 'items', params: { ok: 0, failed: 5 } })
    core.startRunner()
    const [p, f] = await waitForTerminal(core, [partial.id, allFailed.id])
    expect(p?.status).toBe('partial')
    const run = core.store.getRun(p?.lastRunId ?? '')
    expect([run.itemsOk, run.itemsFailed]).toEqual([12, 3])
    expect(run.error).toMatch(/3 of 15 items failed/)
    expect(f?.status).toBe('failed')
  })

  it('stops a timed-out run and fails it', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const job = await core.api['jobs.enqueue']({ type: 'slowpoke', params: {} })
    core.startRunner()
    const [done] = await waitForTerminal(core, [job.id])
    expect(done?.status).toBe('failed')
    expect(done?.error).toMatch(/timed out after/)
    const run = core.store.getRun(done?.lastRunId ?? '')
    expect(Date.parse(run.finishedAt ?? '') - Date.parse(run.startedAt)).toBeLessThan(3000)
  })

  it('cancels a running job by killing its whole process tree', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const job = await core.api['jobs.enqueue']({ type: 'stubborn', params: {} })
    core.startRunner()
    const pids = await waitFor(() => {
      const lines = core.store.logs(core.store.getJob(job.id).lastRunId ?? '').map((l) => l.text)
      const child = lines.find((l) => l.startsWith('child '))
      const grandchild = lines.find((l) => l.startsWith('grandchild '))
      return child && grandchild ? [Number(child.split(' ')[1]), Number(grandchild.split(' ')[1])] : null
    }, 10_000, 'the stubborn tree to start')
    const { action } = await core.api['jobs.cancel']({ id: job.id })
    expect(action).toBe('requested')
    const [done] = await waitForTerminal(core, [job.id])
    expect(done?.status).toBe('canceled')
    expect(core.store.getRun(done?.lastRunId ?? '').status).toBe('canceled')
    for (const pid of pids) expect(isAlive(pid)).toBe(false)
  })

  it('cancels a queued job at once, and refuses to cancel a finished one', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const job = await core.api['jobs.enqueue']({ type: 'nap', params: {} })
    const { action, job: canceled } = await core.api['jobs.cancel']({ id: job.id })
    expect(action).toBe('canceled')
    expect(canceled.status).toBe('canceled')
    await expect(core.api['jobs.cancel']({ id: job.id })).rejects.toThrow(/already canceled/)
  })

  it('pause lets the running job finish and starts nothing new until resumed', async () => {
    env = makeTestEnv(CONFIG.replace('concurrency: 3', 'concurrency: 1'))
    const core = env.open()
    const first = await core.api['jobs.enqueue']({ type: 'nap', params: { ms: 300 } })
    const second = await core.api['jobs.enqueue']({ type: 'nap', params: { ms: 10 } })
    core.startRunner()
    await waitFor(() => core.store.getJob(first.id).status === 'running')
    await core.api['runner.pause']({})
    await waitForTerminal(core, [first.id])
    expect(core.store.getJob(first.id).status).toBe('succeeded')
    await sleep(200)
    expect(core.store.getJob(second.id).status).toBe('queued')
    const status = await core.api['runner.status']({ limit: 10 })
    expect(status.state).toBe('paused')
    expect(status.queued[0]?.waitReason).toEqual({ kind: 'paused' })
    await core.api['runner.resume']({})
    await waitForTerminal(core, [second.id])
  })

  it('retries a finished job as a new run with the next attempt number', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const job = await core.api['jobs.enqueue']({ type: 'nap', params: { ms: 10 } })
    core.startRunner()
    await waitForTerminal(core, [job.id])
    await core.api['jobs.retry']({ id: job.id })
    await waitFor(() => core.store.runsOfJob(job.id).length === 2 && core.store.getJob(job.id).status === 'succeeded')
    expect(core.store.runsOfJob(job.id).map((r) => r.attempt)).toEqual([1, 2])
  })

  it('reports progress from the line protocol as events and on the run', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const seen: number[] = []
    core.events.on('run.progress', ({ progress }) => seen.push(progress.percent ?? -1))
    const job = await core.api['jobs.enqueue']({ type: 'progress', params: {} })
    core.startRunner()
    const [done] = await waitForTerminal(core, [job.id])
    expect(seen).toEqual([25, 50, 75, 100])
    const run = core.store.getRun(done?.lastRunId ?? '')
    expect(run.progress.message).toBe('step 100')
  })

  it('enqueue is all-or-nothing and names the bad param and row', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const attempt = core.api['jobs.enqueueBulk']({ type: 'items', rows: [{ ok: 1, failed: 0 }, { ok: 'many', failed: 0 }, { ok: 2, failed: 1 }] })
    await expect(attempt).rejects.toThrow(/1 of 3 rows are invalid; nothing was enqueued\nrow 2: param "ok"/)
    expect(core.store.counts().queued).toBe(0)
    await expect(core.api['jobs.enqueue']({ type: 'items', params: { ok: 1 } })).rejects.toThrow(/param "failed"/)
    await expect(core.api['jobs.enqueue']({ type: 'nope', params: {} })).rejects.toThrow(/unknown job type "nope"/)
  })

  it('starts a job enqueued through another connection (another process) quickly', async () => {
    env = makeTestEnv(CONFIG)
    const runnerCore = env.open()
    runnerCore.startRunner()
    const other = env.open()
    const job = await other.api['jobs.enqueue']({ type: 'nap', params: { ms: 10 } })
    const t0 = Date.now()
    await waitFor(() => runnerCore.store.getJob(job.id).status !== 'queued', 5000)
    expect(Date.now() - t0).toBeLessThan(250)
  })

  it('allows only one runner per data dir', async () => {
    env = makeTestEnv(CONFIG)
    env.open().startRunner()
    const second = env.open()
    let caught: unknown
    try {
      second.startRunner()
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(JobdeckError)
    expect((caught as JobdeckError).code).toBe('locked')
    expect((caught as JobdeckError).message).toMatch(/another runner \(pid \d+/)
  })

  it('on stop, re-queues the running job as interrupted and runs it again next time', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const job = await core.api['jobs.enqueue']({ type: 'nap', params: { ms: 5000 } })
    core.startRunner()
    await waitFor(() => core.store.getJob(job.id).status === 'running')
    await core.close()
    const again = env.open()
    expect(again.store.getJob(job.id).status).toBe('queued')
    expect(again.store.runsOfJob(job.id)[0]?.status).toBe('interrupted')
    await again.api['jobs.cancel']({ id: job.id })
  })

  it('fails instead of re-queueing an interrupted job whose type must not run twice', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const job = await core.api['jobs.enqueue']({ type: 'once-only', params: {} })
    core.startRunner()
    await waitFor(() => core.store.getJob(job.id).status === 'running')
    await core.close()
    const after = env.open().store.getJob(job.id)
    expect(after.status).toBe('failed')
    expect(after.error).toMatch(/onInterrupt: fail/)
  })

  it('gives up re-queueing a job interrupted more often than runner.interruptLimit', async () => {
    env = makeTestEnv(CONFIG.replace('concurrency: 3', 'concurrency: 3, interruptLimit: 2'))
    const job = await env.open().api['jobs.enqueue']({ type: 'nap', params: { ms: 5000 } })
    for (let round = 1; round <= 3; round++) {
      const core = env.open()
      core.startRunner()
      await waitFor(() => core.store.getJob(job.id).status === 'running', 5000, `round ${round} to start`)
      await core.close()
    }
    const final = env.open().store
    expect(final.getJob(job.id).status).toBe('failed')
    expect(final.getJob(job.id).error).toMatch(/interrupted 3 times \(limit 2\)/)
    expect(final.runsOfJob(job.id).map((r) => r.status)).toEqual(['interrupted', 'interrupted', 'interrupted'])
  })

  it('keeps the previous config when a reload finds errors', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    env.writeConfig(`${CONFIG}\n  broken:\n    command: []\n    tmeout: 5m\n`)
    const info = await core.api['config.reload']({})
    expect(info.ok).toBe(false)
    expect(info.errors.join('\n')).toMatch(/jobdeck\.yaml:\d+:\d+: .*tmeout/)
    expect(info.types.map((t) => t.name)).toContain('nap')
    const job = await core.api['jobs.enqueue']({ type: 'nap', params: { ms: 1 } })
    expect(job.type).toBe('nap')
  })
})
