// The full kill-point sweep: real runners killed with SIGKILL at random instants (alone or with
// their process group), restarted, then drained. Local: 300 jobs, 60 kills. Shared: two runners
// on one PostgreSQL, 20 kills. Prints what was checked; the reduced form runs in the test suite.
import { runKillSweep, type SweepReport } from '../src-main/core/test-support/kill-sweep'
import { report } from './bench-support'
import { withBenchDatabase } from './pg-bench-support'

function summary(r: SweepReport): Array<[string, string]> {
  const problems = r.lost.length + r.notOnce.length + r.unrecorded.length + r.sameJobOverlaps.length + r.laneOverlaps.length
  return [
    ['seed', String(r.seed)],
    ['jobs · kills', `${r.jobs} · ${r.kills}`],
    ['executions begun · runs recorded · interrupted', `${r.executions} · ${r.runs} · ${r.interrupted}`],
    ['jobs lost · not terminal exactly once', `${r.lost.length} · ${r.notOnce.length}`],
    ['executions not recorded', String(r.unrecorded.length)],
    ['overlaps: same job · limit-1 lane', `${r.sameJobOverlaps.length} · ${r.laneOverlaps.length}`],
    ['onInterrupt: fail jobs started twice', String(r.failTypeRestarts.length)],
    ['job processes left alive', String(r.alive.length)],
    ['integrity_check', r.integrity.join(', ')],
    ['verdict', problems + r.failTypeRestarts.length + r.alive.length === 0 && r.integrity.every((i) => i === 'ok') ? 'sound' : 'BROKEN'],
    ['took', `${(r.durationMs / 1000).toFixed(0)} s`],
  ]
}

export async function benchKillSweep(): Promise<void> {
  const jobs = Number(process.env.BENCH_SWEEP_JOBS ?? 300)
  const kills = Number(process.env.BENCH_SWEEP_KILLS ?? 60)
  const seed = process.env.BENCH_SWEEP_SEED ? Number(process.env.BENCH_SWEEP_SEED) : undefined
  report(`kill -9 sweep, local mode`, summary(await runKillSweep({ jobs, kills, ...(seed !== undefined ? { seed } : {}) })))
  const shared = await withBenchDatabase('jobdeck_sweep', (db) =>
    runKillSweep({ jobs: Math.round(jobs / 2), kills: Math.round(kills / 3), pgUrl: db.url, killAfterMs: [800, 2_500], ...(seed !== undefined ? { seed } : {}) }),
  )
  report(`kill -9 sweep, shared mode (two runners)`, summary(shared))
}
