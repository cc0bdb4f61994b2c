// `/metrics` scrape latency over a large history (default 1M runs over 30 days, history-data.ts):
// the content as the route serves it (`createMetrics(core).text()`), in the process that runs the
// runner (paused, so the seeded queue stays put; the monitor samples), with histograms observed
// for every type. Timed: p50 / p95 / max of 200 scrapes after a warm-up, with a waiting queue of
// 1,000, then 10,000, then 100,000 jobs over 200 lanes (per-lane depth read from lane_counts,
// SQLite 16: neither the queue nor the history should show). Target ≤ 20 ms. BENCH_METRICS_RUNS sets the size.
import { performance } from 'node:perf_hooks'
import type { Run } from '../src-shared/domain'
import { newId } from '../src-main/core/ids'
import { MetricReads } from '../src-main/core/store/sqlite/metric-reads'
import { createMetrics } from '../src-main/server/metrics'
import { fmt, percentile, report, tempCore } from './bench-support'
import { HISTORY_TYPES, historyConfigYaml, seedHistory } from './history-data'

const RUNS = Number(process.env.BENCH_METRICS_RUNS ?? 1_000_000)
const SCRAPES = 200
const TARGET_MS = 20
const QUEUES = [1_000, 10_000, 100_000]
const LANES = 200

function timed(times: number, fn: () => unknown): { p50: number; p95: number; max: number } {
  const ms: number[] = []
  for (let i = 0; i < times; i++) {
    const t0 = performance.now()
    fn()
    ms.push(performance.now() - t0)
  }
  ms.sort((a, b) => a - b)
  return { p50: percentile(ms, 50), p95: percentile(ms, 95), max: ms[ms.length - 1] ?? NaN }
}

async function timedAsync(times: number, fn: () => Promise<unknown>): Promise<{ p50: number; p95: number; max: number }> {
  const ms: number[] = []
  for (let i = 0; i < times; i++) {
    const t0 = performance.now()
    await fn()
    ms.push(performance.now() - t0)
  }
  ms.sort((a, b) => a - b)
  return { p50: percentile(ms, 50), p95: percentile(ms, 95), max: ms[ms.length - 1] ?? NaN }
}

const line = (t: { p50: number; p95: number; max: number }): string => `p50 ${fmt(t.p50)} ms · p95 ${fmt(t.p95)} ms · max ${fmt(t.max)} ms`

export async function benchMetrics(): Promise<{ p95Ms: number }> {
  const { core, dispose } = tempCore(historyConfigYaml(), { log: () => {} })
  try {
    const t0 = performance.now()
    const seed = seedHistory(core.store.db, RUNS)
    const seeded = `${seed.runs.toLocaleString('en-US')} runs, ${seed.jobs.toLocaleString('en-US')} jobs in ${fmt((performance.now() - t0) / 1000, 1)} s`
    await core.api['runner.pause']({})
    core.startRunner()
    const metrics = createMetrics(core)
    // Every type's histogram has series, as after a day of work: a run of each finishes now.
    for (const type of HISTORY_TYPES) {
      const [run] = await core.api['runs.list']({ type: type.name, limit: 1 })
      if (!run) continue
      for (let i = 0; i < 20; i++) {
        const finished: Run = { ...run, id: newId(Date.now()), status: 'succeeded', startedAt: new Date(Date.now() - 1000 * (i + 1)).toISOString(), finishedAt: new Date().toISOString() }
        core.events.emit('run.changed', { run: finished })
      }
    }
    const reads = new MetricReads(core.store.db)
    let queued = 0
    let p95Ms = 0
    for (const target of QUEUES) {
      const jobs = Array.from({ length: target - queued }, (_, i) => ({
        id: newId(Date.now()),
        type: HISTORY_TYPES[i % HISTORY_TYPES.length]?.name ?? 'cleanup-temp',
        params: {},
        priority: 'normal' as const,
        lane: `dealer:${10_000 + ((queued + i) % LANES)}`,
      }))
      for (let i = 0; i < jobs.length; i += 10_000) core.store.enqueue(jobs.slice(i, i + 10_000), Date.now())
      queued = target
      for (let i = 0; i < 5; i++) await metrics.text()
      const text = await metrics.text()
      const scrape = await timedAsync(SCRAPES, () => metrics.text())
      if (target === QUEUES[0]) p95Ms = scrape.p95
      report(`/metrics scrape, ${RUNS.toLocaleString('en-US')} runs in the history, ${target.toLocaleString('en-US')} jobs waiting in ${LANES} lanes (target ≤ ${TARGET_MS} ms)`, [
        ...(target === QUEUES[0] ? [['seeded', seeded] as [string, string]] : []),
        ['scrape', `${line(scrape)} (${SCRAPES} scrapes)`],
        ['size', `${(text.length / 1024).toFixed(1)} KiB, ${text.split('\n').filter((l) => l && !l.startsWith('#')).length} samples`],
        ['of which runner.status', line(await timedAsync(SCRAPES, () => core.api['runner.status']({ limit: 1 })))],
        ['of which runs by outcome', line(timed(SCRAPES, () => reads.typeOutcomes()))],
        ['of which lanes', line(timed(SCRAPES, () => reads.lanes()))],
      ])
    }
    return { p95Ms }
  } finally {
    await dispose()
  }
}

