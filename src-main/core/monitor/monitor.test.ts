import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { EventMap } from '../../../src-shared/events'
import { gateText } from '../../../src-shared/wait-reason'
import { makeTestEnv, sleep, waitFor, waitForTerminal, type TestEnv } from '../test-support/test-env'
import { fakeSample, openOnScriptedHost } from '../test-support/host-samples'

const GiB = 1024 ** 3

const CONFIG = `
monitor:
  interval: 100ms
  runInterval: 100ms
  hysteresis: { samples: 2, margin: 5 }
jobs:
  heavy:
    command: [node, scripts/sleep.js, "{ms}"]
    params:
      ms: { type: integer, default: 50 }
    needs: { freeMemory: 2GiB }
  light:
    command: [node, scripts/sleep.js, "{ms}"]
    params:
      ms: { type: integer, default: 50 }
    lane: light
  hog:
    command: [node, scripts/hog.js]
`

// Holds ~120 MB and burns CPU in a child for a second.
const HOG = `const { spawnSync } = require('node:child_process');
const keep = Buffer.alloc(120 * 1024 * 1024, 1);
spawnSync(process.execPath, ['-e', 'const end = Date.now() + 1000; while (Date.now() < end) {}']);
setTimeout(() => console.log('held', keep.length), 400)`

let env: TestEnv
afterEach(() => env.cleanup())

function setup(): void {
  env = makeTestEnv(CONFIG)
  fs.writeFileSync(path.join(env.dir, 'scripts', 'hog.js'), HOG)
}

describe('resource gate', () => {
  it('holds a job whose needs are not met, says why, and starts it as soon as they are', async () => {
    setup()
    const { core, sampler } = openOnScriptedHost(env, { availableBytes: 1 * GiB, memUsedPercent: 60 })
    const waiting: Array<EventMap['runner.waiting']> = []
    core.events.on('runner.waiting', (e) => waiting.push(e))
    core.startRunner()
    const job = await core.api['jobs.enqueue']({ type: 'heavy', params: {} })
    const other = await core.api['jobs.enqueue']({ type: 'light', params: {} })
    await waitForTerminal(core, [other.id]) // other types are not held back
    await sleep(300)
    expect(core.store.getJob(job.id).status).toBe('queued')
    const status = await core.api['runner.status']({ limit: 10 })
    const memory = { kind: 'memory', freeBytes: 1 * GiB, needsBytes: 2 * GiB } as const
    expect(status.queued[0]?.waitReason).toEqual({ kind: 'gate', gate: memory })
    expect(gateText(memory)).toBe('waiting for memory: 1.0 GiB free, needs 2.0 GiB')
    expect(waiting.at(-1)?.reasons.heavy).toEqual(memory)
    expect(status.health?.memory.availableBytes).toBe(1 * GiB)

    sampler.next = { availableBytes: 4 * GiB, memUsedPercent: 60 }
    const [done] = await waitForTerminal(core, [job.id], 5000)
    expect(done?.status).toBe('succeeded')
    expect(waiting.at(-1)?.reasons).toEqual({})
  })

  it('runs jobs on a host pegged at 100% CPU: critical CPU is reported, but holds only types that declare needs.maxCpu', async () => {
    setup()
    fs.appendFileSync(env.configPath, '  busy:\n    command: [node, scripts/sleep.js, "50"]\n    needs: { maxCpu: 90% }\n')
    const { core } = openOnScriptedHost(env, { cpu: 100 })
    core.startRunner()
    await waitFor(() => core.monitor()?.health().level === 'critical', 5000, 'critical health')
    const job = await core.api['jobs.enqueue']({ type: 'light', params: {} })
    const busy = await core.api['jobs.enqueue']({ type: 'busy', params: {} })
    const [done] = await waitForTerminal(core, [job.id], 5000)
    expect(done?.status).toBe('succeeded')
    const status = await core.api['runner.status']({ limit: 10 })
    expect(status.health).toMatchObject({ level: 'critical', reasons: ['CPU 100% busy (critical at 100%)'] })
    expect(status.queued.map((j) => [j.id, j.waitReason])).toEqual([[busy.id, { kind: 'gate', gate: { kind: 'cpu', busyPercent: 100, belowPercent: 90 } }]])
  })

  it('starts nothing while memory is critical, says what clears it, and resumes once it recovers', async () => {
    setup()
    const { core, sampler } = openOnScriptedHost(env, { memUsedPercent: 98, availableBytes: 0.3 * GiB })
    const levels: string[] = []
    core.events.on('health.changed', ({ health }) => levels.push(health.level))
    core.startRunner()
    await waitFor(() => core.monitor()?.health().level === 'critical', 5000, 'critical health')
    const job = await core.api['jobs.enqueue']({ type: 'light', params: {} })
    await sleep(300)
    expect(core.store.getJob(job.id).status).toBe('queued')
    const status = await core.api['runner.status']({ limit: 10 })
    const reason = status.queued[0]?.waitReason
    expect(reason).toMatchObject({ kind: 'gate', gate: { kind: 'health-critical' } })
    expect(reason?.kind === 'gate' ? gateText(reason.gate) : '').toBe(
      'host health is critical (memory 98% used (critical at 95%)): critical until memory is under 90% for 2 samples in a row',
    )
    expect(status.health?.level).toBe('critical')
    sampler.next = { memUsedPercent: 50, availableBytes: 8 * GiB }
    await waitForTerminal(core, [job.id], 5000)
    expect(levels).toContain('critical')
    expect(levels.at(-1)).toBe('healthy')
  })
})

describe('monitor', () => {
  it('records the process tree peak RSS and CPU seconds on the run, children included', async () => {
    setup()
    const core = env.open()
    core.startRunner()
    const job = await core.api['jobs.enqueue']({ type: 'hog', params: {} })
    const [done] = await waitForTerminal(core, [job.id], 20_000)
    const run = core.store.getRun(done?.lastRunId ?? '')
    expect(run.peakRssBytes).toBeGreaterThan(100 * 1024 * 1024)
    expect(run.peakRssBytes).toBeLessThan(400 * 1024 * 1024)
    expect(run.cpuSeconds).toBeGreaterThan(0.6)
    const usage = await core.api['runs.usage']({ id: run.id })
    expect(usage.points.length).toBeGreaterThan(3)
    expect(Math.max(...usage.points.map((p) => p.rssBytes))).toBe(run.peakRssBytes)
    const latest = await core.api['monitor.latest']({})
    expect(latest.sample?.memory.totalBytes).toBeGreaterThan(0)
    expect(latest.sample?.disks.length).toBeGreaterThan(0)
  })

  it('keeps raw samples for the retention window and per-minute aggregates beyond it', async () => {
    setup()
    const { core } = openOnScriptedHost(env)
    core.startRunner()
    const monitor = core.monitor()
    if (!monitor) throw new Error('no monitor')
    monitor.stop()
    const start = Date.now() - 3 * 3_600_000
    for (let i = 0; i < 3 * 60; i++) {
      // Three hours, one sample a minute; CPU rises with time so minutes are distinguishable.
      monitor.ingest(fakeSample({ at: start + i * 60_000, cpu: i % 100 }))
    }
    monitor.ingest(fakeSample({ at: Date.now(), cpu: 1 }))
    const raw = await core.api['monitor.range']({ since: start, resolution: 'raw' })
    expect(raw.samples.length).toBeGreaterThan(0)
    expect(Math.min(...raw.samples.map((s) => s.at))).toBeGreaterThanOrEqual(Date.now() - 3_600_000 - 60_000)
    const minutes = await core.api['monitor.range']({ since: start, resolution: 'auto' })
    expect(minutes.resolution).toBe('minute')
    expect(minutes.minutes.length).toBeGreaterThanOrEqual(179)
    expect(minutes.minutes[10]?.cpu.max).toBe(10)
  })

  it('announces once that a run takes longer than its type usually does', async () => {
    setup()
    const { core } = openOnScriptedHost(env)
    const overruns: Array<EventMap['run.overrun']> = []
    core.events.on('run.overrun', (e) => overruns.push(e))
    core.startRunner()
    const quick = await core.api['jobs.enqueueBulk']({ type: 'light', rows: Array.from({ length: 6 }, () => ({ ms: 50 })) })
    await waitForTerminal(core, quick.map((j) => j.id))
    expect(overruns).toHaveLength(0)
    const slow = await core.api['jobs.enqueue']({ type: 'light', params: { ms: 1500 } })
    await waitForTerminal(core, [slow.id])
    expect(overruns).toHaveLength(1)
    expect(overruns[0]?.jobId).toBe(slow.id)
    expect(overruns[0]?.elapsedMs).toBeGreaterThan(2 * (overruns[0]?.usualMs ?? 0))
  })
})
