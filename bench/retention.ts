// Retention over a large history (default 1M runs over 60 days, seeded as history-data.ts does,
// so about half of it is past the default 30-day age of succeeded and canceled jobs):
//  - retention.status (the data dir by part from dbstat, and the preview of the next pass): the
//    first call measures, the next ones answer from the cache;
//  - one pass (the pass retention.run makes, with its write transactions timed from outside):
//    total time, rows deleted, the LONGEST single write transaction (target ≤ 20 ms) and the
//    spread of all of them, each in wall time and in this process's CPU time (on a busy machine
//    the wall time of a few includes being descheduled), and the longest the event loop went
//    without a turn (what a runner in the same process waits for at most, reads included);
//  - a second pass through retention.run with nothing left to delete (the steady state).
// BENCH_RETENTION_RUNS sets the size. `npm run bench retention`, or `npx tsx bench/retention.ts`.
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { retentionSchema } from '../src-shared/retention-config'
import { SqliteRetention } from '../src-main/core/retention/sqlite-retention'
import { fmt, percentile, report, tempCore } from './bench-support'
import { historyConfigYaml, seedHistory } from './history-data'

const RUNS = Number(process.env.BENCH_RETENTION_RUNS ?? 1_000_000)
const TARGET_TX_MS = 20

/** The longest gap between turns of the event loop while `work` runs. */
async function withLoopLag<T>(work: () => Promise<T>): Promise<{ value: T; ms: number; maxLagMs: number }> {
  let last = performance.now()
  let maxLagMs = 0
  const timer = setInterval(() => {
    const now = performance.now()
    maxLagMs = Math.max(maxLagMs, now - last)
    last = now
  }, 1)
  const started = performance.now()
  try {
    const value = await work()
    return { value, ms: performance.now() - started, maxLagMs }
  } finally {
    clearInterval(timer)
  }
}

export async function benchRetention(): Promise<{ totalMs: number; longestTxMs: number }> {
  const config = `${historyConfigYaml()}retention:\n  keepLast: 10\n  logs: 14d\n`
  const { core, dispose } = tempCore(config)
  try {
    const seed = seedHistory(core.store.db, RUNS, Date.now(), 60)
    const status = async (): Promise<number> => {
      const t0 = performance.now()
      await core.api['retention.status']({})
      return performance.now() - t0
    }
    const firstStatusMs = await status()
    const cachedStatus = [await status(), await status(), await status()].sort((a, b) => a - b)[1] ?? NaN
    const before = await core.api['retention.status']({})
    const wall: number[] = []
    const cpu: number[] = []
    const timedTx = <T>(fn: () => T): T => {
      const t0 = performance.now()
      const c0 = process.cpuUsage()
      try {
        return core.store.relaxedTx(fn)
      } finally {
        const c = process.cpuUsage(c0)
        wall.push(performance.now() - t0)
        cpu.push((c.user + c.system) / 1000)
      }
    }
    const policy = retentionSchema.parse({ keepLast: 10, logs: '14d' })
    const pass = await withLoopLag(() => new SqliteRetention(core.store.db, timedTx).apply(policy, Date.now()))
    const steady = await withLoopLag(() => core.api['retention.run']({}))
    const after = await core.api['retention.status']({})
    const d = pass.value.deleted
    const rows = d.jobs + d.runs + d.logLines
    wall.sort((a, b) => a - b)
    cpu.sort((a, b) => a - b)
    const spread = (xs: number[]): string => `p50 ${fmt(percentile(xs, 50), 1)} · p99 ${fmt(percentile(xs, 99), 1)} · max ${fmt(xs.at(-1) ?? NaN, 1)} ms`
    report(`retention over ${RUNS.toLocaleString('en-US')} runs (seeded ${seed.jobs.toLocaleString('en-US')} jobs, ${seed.logLines.toLocaleString('en-US')} output lines over 60 days in ${fmt(seed.ms / 1000, 1)} s)`, [
      ['status, first call (dbstat + preview)', `${fmt(firstStatusMs, 0)} ms`],
      ['status, size cached (preview only)', `${fmt(cachedStatus, 0)} ms`],
      ['preview before the pass', `${before.next.jobs} jobs, ${before.next.runs} runs, ${before.next.logLines} lines${before.next.capped ? ' (capped)' : ''}`],
      ['pass: total', `${fmt(pass.ms / 1000, 2)} s (${Math.round(rows / (pass.ms / 1000)).toLocaleString('en-US')} rows/s)`],
      ['pass: deleted', `${d.jobs} jobs, ${d.runs} runs, ${d.logLines} output lines`],
      ['pass: write transactions', `${wall.length} (${wall.filter((ms) => ms > TARGET_TX_MS).length} over ${TARGET_TX_MS} ms wall, ${cpu.filter((ms) => ms > TARGET_TX_MS).length} over it in CPU)`],
      ['pass: longest write transaction', `${fmt(pass.value.longestTxMs, 1)} ms wall (target ≤ ${TARGET_TX_MS} ms); CPU ${fmt(cpu.at(-1) ?? NaN, 1)} ms`],
      ['pass: transactions, wall', spread(wall)],
      ['pass: transactions, CPU', spread(cpu)],
      ['pass: longest event-loop stall', `${fmt(pass.maxLagMs, 1)} ms`],
      ['second pass (nothing to delete)', `${fmt(steady.ms, 0)} ms, longest write ${fmt(steady.value.longestTxMs, 1)} ms, longest stall ${fmt(steady.maxLagMs, 1)} ms`],
      ['data dir before → after', `${fmt(before.size.total / 2 ** 20, 0)} MiB → ${fmt(after.size.total / 2 ** 20, 0)} MiB (pages in use; freed pages stay in the file for reuse)`],
    ])
    return { totalMs: pass.ms, longestTxMs: pass.value.longestTxMs }
  } finally {
    await dispose()
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchRetention()
