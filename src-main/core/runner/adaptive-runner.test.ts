// Adaptive concurrency end to end: a real runner, real child processes and a SQLite data dir,
// with the host's CPU scripted (ScriptedSampler) so each step is the test's to cause.
import { afterEach, describe, expect, it } from 'vitest'
import type { EventMap } from '../../../src-shared/events'
import type { ConcurrencyChange } from '../../../src-shared/monitor'
import type { Run } from '../../../src-shared/domain'
import type { Core } from '../core'
import { ADAPTIVE_CONFIG, openOnScriptedHost, type ScriptedSampler } from '../test-support/host-samples'
import { makeTestEnv, waitFor, waitForTerminal, type TestEnv } from '../test-support/test-env'


let env: TestEnv
afterEach(() => env.cleanup())

/** A core on `config` whose host CPU is the test's to set, and the concurrency steps it records. */
function openAdaptive(config: string, cpu: number): { core: Core; sampler: ScriptedSampler; changes: ConcurrencyChange[] } {
  env = makeTestEnv(config)
  const { core, sampler } = openOnScriptedHost(env, { cpu })
  const changes: ConcurrencyChange[] = []
  core.events.on('runner.concurrency', ({ change }: EventMap['runner.concurrency']) => changes.push(change))
  return { core, sampler, changes }
}

/** The most runs that ran at once among these. */
function mostAtOnce(runs: readonly Run[]): number {
  const edges = runs.flatMap((r) => [
    { at: Date.parse(r.startedAt), d: 1 },
    { at: Date.parse(r.finishedAt ?? ''), d: -1 },
  ])
  // An end at the same instant as a start frees its slot first.
  edges.sort((a, b) => a.at - b.at || a.d - b.d)
  let now = 0
  let most = 0
  for (const e of edges) most = Math.max(most, (now += e.d))
  return most
}

describe('adaptive concurrency', () => {
  it('steps down under high CPU without killing a run, never under min, records each step, and steps back up under low CPU', async () => {
    const { core, sampler, changes } = openAdaptive(ADAPTIVE_CONFIG, 20)
    core.startRunner()
    const long = await core.api['jobs.enqueueBulk']({ type: 'nap', rows: ['a', 'b', 'c'].map((lane) => ({ ms: 1500, lane })) })
    await waitFor(() => core.runner()?.runningCount === 3, 10_000, 'three runs at the maximum')

    sampler.next = { cpu: 95 }
    await waitFor(() => changes.length >= 1, 5_000, 'a step down')
    expect(changes[0]).toMatchObject({ from: 3, to: 2, max: 3, reason: 'CPU 95% over 80%' })
    // The three keep running past the lower limit, and it holds at 2 until they end.
    const later = await core.api['jobs.enqueueBulk']({ type: 'nap', rows: ['d', 'e', 'f'].map((lane) => ({ ms: 400, lane })) })
    const status = await core.api['runner.status']({ limit: 10 })
    expect(status.running).toHaveLength(3)
    expect(status.limits).toMatchObject({ concurrency: 2, maxConcurrency: 3, minConcurrency: 1, adaptive: true, concurrencyReason: 'CPU 95% over 80%' })
    expect(status.queued[0]?.waitReason).toEqual({ kind: 'runner-busy', running: 3, concurrency: 2, max: 3, reason: 'CPU 95% over 80%' })
    expect(changes).toHaveLength(1)

    const firstRuns = await waitForTerminal(core, long.map((j) => j.id))
    expect(firstRuns.map((j) => j.status)).toEqual(['succeeded', 'succeeded', 'succeeded'])
    await waitForTerminal(core, later.map((j) => j.id))
    await waitFor(() => core.runner()?.runningCount === 0 && changes.at(-1)?.to === 1, 5_000, 'the minimum')
    // Still busy, already at min: no step under it.
    await new Promise((r) => setTimeout(r, 400))
    expect(changes.map((c) => c.to)).toEqual([2, 1])
    const laterRuns = core.store.listRuns({ limit: 100 }).filter((r) => later.some((j) => j.id === r.jobId))
    expect(mostAtOnce(laterRuns)).toBeLessThanOrEqual(2)

    sampler.next = { cpu: 20 }
    await waitFor(() => changes.at(-1)?.to === 3, 5_000, 'back at the maximum')
    expect(changes.map((c) => [c.from, c.to])).toEqual([[3, 2], [2, 1], [1, 2], [2, 3]])
    expect(changes.at(-1)?.reason).toBe('CPU 20% under 50%')
    const back = await core.api['runner.status']({ limit: 10 })
    expect(back.limits).toMatchObject({ concurrency: 3, concurrencyReason: null })

    // Recorded in the data dir: monitor.range answers them, at either resolution.
    const since = Date.parse(changes[0]?.at ?? '') - 1000
    const raw = await core.api['monitor.range']({ since, resolution: 'raw' })
    expect(raw.concurrency).toEqual(changes)
    const minutes = await core.api['monitor.range']({ since, resolution: 'minute' })
    expect(minutes.concurrency).toEqual(changes)
  }, 30_000)

  it('a plain number keeps the limit fixed, whatever the CPU', async () => {
    const { core, changes } = openAdaptive(ADAPTIVE_CONFIG.replace(/concurrency: \{[^\n]*\}/, 'concurrency: 2'), 99)
    core.startRunner()
    const jobs = await core.api['jobs.enqueueBulk']({ type: 'nap', rows: ['a', 'b', 'c', 'd'].map((lane) => ({ ms: 300, lane })) })
    await waitForTerminal(core, jobs.map((j) => j.id))
    expect(mostAtOnce(core.store.listRuns({ limit: 100 }))).toBe(2)
    expect(changes).toEqual([])
    expect((await core.api['runner.status']({ limit: 1 })).limits).toMatchObject({ concurrency: 2, maxConcurrency: 2, adaptive: false, concurrencyReason: null })
  }, 20_000)
})
