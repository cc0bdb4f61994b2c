// What the Queue view asks the engine for, over a large history (default 200k runs over 30 days,
// see history-data.ts) with 500 jobs waiting:
//  (a) `runner.status({limit: 500})`: the running and waiting jobs with their wait reasons (and,
//      since issue 12, each one's expected duration and the limits for the ETAs);
//  (b) the failures panel: since issue 12 one `jobs.list` (failed in the last 24 h, a page of 25
//      and a bounded count); before it, two `runs.list` calls (the 25 newest failed runs, then
//      every run since the oldest of them, up to 5 000, to drop the jobs retried since).
// The same file runs against an older tree (copy it there): it uses `jobs.list` when the API has
// it. p50 and p95 of 25 calls each (BENCH_QUEUE_VIEW_CALLS). BENCH_QUEUE_VIEW_RUNS sets the size.
import { performance } from 'node:perf_hooks'
import { apiInputs } from '../src-shared/api'
import { fmt, percentile, report, tempCore } from './bench-support'
import { HISTORY_TYPES, historyConfigYaml, seedHistory } from './history-data'

const RUNS = Number(process.env.BENCH_QUEUE_VIEW_RUNS ?? 200_000)
const CALLS = Number(process.env.BENCH_QUEUE_VIEW_CALLS ?? 25)
const WAITING = 500

type Call = (args: Record<string, unknown>) => Promise<unknown>

async function timed(fn: () => Promise<unknown>): Promise<{ p50: number; p95: number; first: number }> {
  const times: number[] = []
  for (let i = 0; i < CALLS; i++) {
    const t0 = performance.now()
    await fn()
    times.push(performance.now() - t0)
  }
  const first = times[0] as number
  times.sort((a, b) => a - b)
  return { p50: percentile(times, 50), p95: percentile(times, 95), first }
}

export async function benchQueueView(): Promise<void> {
  const { core, dispose } = tempCore(historyConfigYaml())
  try {
    const seed = seedHistory(core.store.db, RUNS)
    const api = core.api as unknown as Record<string, Call>
    await api['runner.pause']?.({})
    for (let i = 0; i < WAITING; i++) {
      const type = HISTORY_TYPES[i % HISTORY_TYPES.length]?.name as string
      await api['jobs.enqueue']?.({ type, params: {} })
    }
    const status = await timed(() => api['runner.status']?.({ limit: 500 }) as Promise<unknown>)
    const hasJobsList = 'jobs.list' in apiInputs
    const failures = await timed(async () => {
      if (hasJobsList) return api['jobs.list']?.({ status: 'failed', since: Date.now() - 86_400_000, limit: 25, countUpTo: 10_000 })
      const failed = (await api['runs.list']?.({ status: 'failed', limit: 25 })) as Array<{ startedAt: string }>
      const oldest = failed.at(-1)
      return oldest ? api['runs.list']?.({ since: oldest.startedAt, limit: 5000 }) : null
    })
    report(`queue view over ${seed.runs.toLocaleString('en-US')} runs, ${seed.jobs.toLocaleString('en-US')} jobs, ${WAITING} waiting`, [
      ['runner.status({limit: 500})', `p50 ${fmt(status.p50)} ms · p95 ${fmt(status.p95)} ms · first ${fmt(status.first)} ms`],
      [hasJobsList ? 'failures: jobs.list (24 h, 25 + count)' : 'failures: runs.list × 2 (25, then ≤ 5000 since)', `p50 ${fmt(failures.p50)} ms · p95 ${fmt(failures.p95)} ms · first ${fmt(failures.first)} ms`],
    ])
  } finally {
    await dispose()
  }
}
