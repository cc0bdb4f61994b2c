// Queue-only throughput with a trivial in-process executor: what the durable store itself costs.
import { performance } from 'node:perf_hooks'
import type { Executor } from '../src-main/core/executors/types'
import { fmt, report, tempCore } from './bench-support'

const JOBS = Number(process.env.BENCH_QUEUE_JOBS ?? 5000)

const instant: Executor = {
  execute: async (ctx) => {
    ctx.onStarted(null)
    return { outcome: 'succeeded', exitCode: 0, signal: null, error: null, timedOut: false, itemsOk: null, itemsFailed: null }
  },
}

export async function benchQueueThroughput(synchronous: 'FULL' | 'NORMAL'): Promise<{ jobsPerSecond: number; withEnqueue: number }> {
  const env = tempCore(`jobs:\n  noop:\n    command: ["true"]\n`, { synchronous, executorFor: () => instant })
  try {
    const t0 = performance.now()
    await env.core.api['jobs.enqueueBulk']({ type: 'noop', rows: Array.from({ length: JOBS }, () => ({})) })
    const t1 = performance.now()
    await env.core.startRunner().whenIdle()
    const t2 = performance.now()
    const ok = env.core.store.counts().succeeded
    if (ok !== JOBS) throw new Error(`expected ${JOBS} succeeded, got ${ok}`)
    const jobsPerSecond = JOBS / ((t2 - t1) / 1000)
    const withEnqueue = JOBS / ((t2 - t0) / 1000)
    report(`queue-only, in-process no-op executor × ${JOBS}, synchronous=${synchronous}`, [
      ['claim + run + complete', `${fmt(jobsPerSecond, 0)} jobs/s${synchronous === 'FULL' ? ' (target ≥ 2000)' : ''}`],
      ['including bulk enqueue', `${fmt(withEnqueue, 0)} jobs/s`],
    ])
    return { jobsPerSecond, withEnqueue }
  } finally {
    await env.dispose()
  }
}

/** One enqueue per job (its own transaction), as a client enqueuing one by one would. */
export async function benchSingleEnqueue(): Promise<number> {
  const env = tempCore(`jobs:\n  noop:\n    command: ["true"]\n`)
  try {
    const n = 2000
    const t0 = performance.now()
    for (let i = 0; i < n; i++) await env.core.api['jobs.enqueue']({ type: 'noop', params: {} })
    const perSecond = n / ((performance.now() - t0) / 1000)
    report('single enqueues (one transaction each), synchronous=FULL', [['enqueue', `${fmt(perSecond, 0)} jobs/s`]])
    return perSecond
  } finally {
    await env.dispose()
  }
}
