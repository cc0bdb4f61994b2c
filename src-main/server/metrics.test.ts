// /metrics on a real core: the text parses as Prometheus exposition format and its counts are the
// ones `jobdeck status` (runner.status) and stats.byType give, in local mode and in shared mode.
import fs from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import type { Core } from '../core/core'
import { makeTestEnv, sleep, waitFor, waitForTerminal, type TestEnv } from '../core/test-support/test-env'
import { parsePrometheusText, sampleValue, samplesBy, type Family } from '../core/test-support/prometheus-text'
import { useSharedDatabase } from '../core/test-support/shared-instances'
import { createMetrics, RUN_DURATION_BUCKETS } from './metrics'
import type { MetricsSource } from './server'

const CONFIG = `
runner: { concurrency: 2 }
jobs:
  work:
    command: [node, scripts/sleep.js, "{ms}"]
    params:
      ms: { type: integer, default: 10 }
      lane: { type: string, default: a }
    lane: "{lane}"
  broken:
    command: [node, scripts/fail.js]
    lane: a
`

let env: TestEnv | null = null
afterEach(() => env?.cleanup())

async function waitForValue<T>(probe: () => Promise<T | null>, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await probe()
    if (value !== null) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await sleep(20)
  }
}

async function scrape(metrics: MetricsSource): Promise<Map<string, Family>> {
  return parsePrometheusText(await metrics.text(), { prefix: 'jobdeck_' })
}

/**
 * The first scrape that shows `heard`: a finish reaches the counters as the change feed publishes
 * it, after the store already reads the job as finished (what waitForTerminal waits for).
 */
function scrapeWhen(metrics: MetricsSource, heard: (families: Map<string, Family>) => boolean, what: string): Promise<Map<string, Family>> {
  return waitForValue(async () => {
    const families = await scrape(metrics)
    return heard(families) ? families : null
  }, what)
}

/**
 * The operator's mix: one success and one failure finished, a long job running in lane b, then the
 * queue paused with two jobs waiting in lane a and one in lane b, and one canceled before it ran.
 */
async function mix(core: Core): Promise<{ long: string }> {
  const done = [
    (await core.api['jobs.enqueue']({ type: 'work', params: {} })).id,
    (await core.api['jobs.enqueue']({ type: 'broken', params: {} })).id,
  ]
  core.startRunner()
  await waitForTerminal(core, done)
  const long = (await core.api['jobs.enqueue']({ type: 'work', params: { ms: 60_000, lane: 'b' } })).id
  await waitFor(() => core.store.getJob(long).status === 'running', 10_000, 'the long job to run')
  await core.api['runner.pause']({})
  await waitFor(() => core.store.isPaused(), 10_000, 'the pause')
  for (const lane of ['a', 'a', 'b']) await core.api['jobs.enqueue']({ type: 'work', params: { lane } })
  const canceled = (await core.api['jobs.enqueue']({ type: 'work', params: { lane: 'a' } })).id
  await core.api['jobs.cancel']({ id: canceled })
  return { long }
}

async function expectCountsOfStatus(core: Core, families: Map<string, Family>): Promise<void> {
  const status = await core.api['runner.status']({ limit: 500 })
  expect(samplesBy(families, 'jobdeck_jobs', 'status')).toEqual(status.counts)
  const stats = await core.api['stats.byType']({})
  for (const type of stats) {
    for (const outcome of ['succeeded', 'partial', 'failed', 'canceled', 'interrupted'] as const) {
      expect(sampleValue(families, 'jobdeck_runs', { type: type.type, outcome }), `${type.type} ${outcome}`).toBe(type[outcome])
    }
  }
  expect(sampleValue(families, 'jobdeck_runner_concurrency')).toBe(status.limits.concurrency)
  expect(sampleValue(families, 'jobdeck_runner_concurrency_max')).toBe(status.limits.maxConcurrency)
}

describe('/metrics', () => {
  it('parses as Prometheus text, and its counts are those of jobdeck status and stats.byType (local mode)', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const metrics = createMetrics(core)
    const { long } = await mix(core)
    const families = await scrapeWhen(metrics, (f) => sampleValue(f, 'jobdeck_runs_finished_total', { type: 'broken', outcome: 'failed' }) === 1, 'the failure to be heard')

    await expectCountsOfStatus(core, families)
    expect(samplesBy(families, 'jobdeck_jobs', 'status')).toMatchObject({ succeeded: 1, failed: 1, canceled: 1, queued: 3, running: 1 })
    expect(samplesBy(families, 'jobdeck_queue_depth', 'lane')).toEqual({ a: 2, b: 1 })
    expect(samplesBy(families, 'jobdeck_lane_running', 'lane')).toEqual({ b: 1 })
    expect(samplesBy(families, 'jobdeck_runner_state', 'state')).toEqual({ running: 0, paused: 1, draining: 0, standby: 0 })
    expect(families.get('jobdeck_runs_finished_total')?.type).toBe('counter')
    expect(sampleValue(families, 'jobdeck_runs_finished_total', { type: 'work', outcome: 'succeeded' })).toBe(1)
    expect(sampleValue(families, 'jobdeck_runs_finished_total', { type: 'broken', outcome: 'failed' })).toBe(1)
    expect(families.get('jobdeck_run_duration_seconds')?.type).toBe('histogram')
    expect(sampleValue(families, 'jobdeck_run_duration_seconds_count', { type: 'work' })).toBe(1)
    expect(sampleValue(families, 'jobdeck_run_duration_seconds_bucket', { type: 'work', le: '+Inf' })).toBe(1)
    expect(families.get('jobdeck_run_duration_seconds')?.samples.filter((s) => s.labels.type === 'work' && s.name.endsWith('_bucket'))).toHaveLength(RUN_DURATION_BUCKETS.length + 1)
    expect(samplesBy(families, 'jobdeck_alert_outbox_depth', 'stage')).toEqual({ waiting: 0, pending: 0 })
    // Local mode: nothing about a shared database.
    expect(families.get('jobdeck_shared_database_up')?.samples ?? []).toEqual([])
    for (const family of families.values()) expect(family.help, family.name).not.toBe('')

    // The host as the runner's monitor last sampled it, as `jobdeck status` shows it.
    await waitFor(() => core.monitor()?.latest(), 10_000, 'the first host sample')
    const sampled = await scrape(metrics)
    const health = (await core.api['runner.status']({ limit: 1 })).health
    expect(sampleValue(sampled, 'jobdeck_host_memory_total_bytes')).toBe(health?.memory.totalBytes)
    expect(sampleValue(sampled, 'jobdeck_host_health', { level: health?.level ?? 'none' })).toBe(1)
    expect(Object.keys(samplesBy(sampled, 'jobdeck_host_disk_free_bytes', 'path'))).toEqual(health?.disk.map((d) => d.path))

    // Canceled while running: the run counts as canceled, but its length is not the job's.
    await core.api['jobs.cancel']({ id: long })
    await waitForTerminal(core, [long])
    const after = await scrapeWhen(metrics, (f) => sampleValue(f, 'jobdeck_runs_finished_total', { type: 'work', outcome: 'canceled' }) === 1, 'the cancel to be heard')
    await expectCountsOfStatus(core, after)
    expect(samplesBy(after, 'jobdeck_lane_running', 'lane')).toEqual({})
    expect(sampleValue(after, 'jobdeck_run_duration_seconds_count', { type: 'work' })).toBe(1)
  })

  it('counts no run finish heard after close() (a stopped server stops listening)', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const metrics = createMetrics(core)
    const id = (await core.api['jobs.enqueue']({ type: 'work', params: {} })).id
    core.startRunner()
    await waitForTerminal(core, [id])
    const [run] = await core.api['runs.list']({ type: 'work', limit: 1 })
    if (!run) throw new Error('the run is not in the history')
    const finished = async (): Promise<number | null> => sampleValue(await scrape(metrics), 'jobdeck_runs_finished_total', { type: 'work', outcome: 'succeeded' }) ?? null
    expect(await waitForValue(finished, 'the finish to be heard')).toBe(1)
    metrics.close()
    core.events.emit('run.changed', { run: { ...run, id: `${run.id}-again` } })
    expect(await finished()).toBe(1)
  })

  it('names this process standby while another holds the runner, and answers concurrent scrapes alike', async () => {
    env = makeTestEnv(CONFIG)
    const runner = env.open()
    runner.startRunner()
    const other = env.open()
    const metrics = createMetrics(other)
    const [one, two] = await Promise.all([metrics.text(), metrics.text()])
    expect(one).toBe(two)
    expect(samplesBy(parsePrometheusText(one, { prefix: 'jobdeck_' }), 'jobdeck_runner_state', 'state')).toEqual({ running: 0, paused: 0, draining: 0, standby: 1 })
  })
})

describe('/metrics and schedules', () => {
  it('counts the fires a restart judged missed, as schedules.fires lists them', async () => {
    env = makeTestEnv(`${CONFIG}\nschedules:\n  often:\n    job: work\n    every: 1s\n    missed: skip\n    overlap: allow\n`)
    const first = env.open({ log: () => {} })
    first.startRunner()
    await waitForValue(async () => ((await first.api['schedules.fires']({ schedule: 'often', limit: 1 })).length > 0 ? true : null), 'a first fire')
    await first.close()
    await sleep(2_500)
    const core = env.open({ log: () => {} })
    const metrics = createMetrics(core)
    core.startRunner()
    const missed = await waitForValue(async () => {
      const fires = await core.api['schedules.fires']({ schedule: 'often', outcome: 'missed', limit: 100 })
      return fires.length > 0 ? fires.length : null
    }, 'missed fires')
    expect(sampleValue(await scrape(metrics), 'jobdeck_schedule_fires_total', { schedule: 'often', outcome: 'missed' })).toBe(missed)
  })
})

describe('/metrics in shared mode', () => {
  const shared = useSharedDatabase('metrics')

  it('counts what jobdeck status counts, and reports the shared database, the cache and the outbox', async () => {
    const sharedEnv = shared.env(CONFIG)
    const core = shared.open(sharedEnv)
    await core.ready()
    const metrics = createMetrics(core)
    const { long } = await mix(core)
    // The cache has every change: the four waiting jobs and the cancel were written through it.
    await waitFor(() => core.store.counts().canceled === 1 && core.store.counts().queued === 3, 10_000, 'the cache to hold the mix')
    // Online, the outbox empties: what was written through it (the finishes) reaches the database.
    const families = await scrapeWhen(metrics, (f) => sampleValue(f, 'jobdeck_outbox_depth') === 0, 'the outbox to be pushed')

    await expectCountsOfStatus(core, families)
    expect(samplesBy(families, 'jobdeck_jobs', 'status')).toMatchObject({ succeeded: 1, failed: 1, canceled: 1, queued: 3, running: 1 })
    expect(samplesBy(families, 'jobdeck_queue_depth', 'lane')).toEqual({ a: 2, b: 1 })
    expect(sampleValue(families, 'jobdeck_shared_database_up')).toBe(1)
    expect(sampleValue(families, 'jobdeck_outbox_depth')).toBe(0)
    expect(sampleValue(families, 'jobdeck_cache_sync_age_seconds')).toBeGreaterThanOrEqual(0)
    expect(sampleValue(families, 'jobdeck_runs_finished_total', { type: 'broken', outcome: 'failed' })).toBe(1)

    // The README's list of metrics is the list served, each with its type (shared mode has every family).
    const readme = fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    const listed = [...readme.matchAll(/^\| `(jobdeck_\w+)` \| (\w+) \|/gm)].map(([, name, type]) => `${name} ${type}`)
    expect(listed.sort()).toEqual([...families.values()].map((f) => `${f.name} ${f.type}`).sort())

    await core.api['jobs.cancel']({ id: long })
    await waitForTerminal(core, [long])
  })
})
