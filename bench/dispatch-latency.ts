// Dispatch latency: from the claim committing to the child process having started.
import { fmt, percentile, report, tempCore } from './bench-support'
import type { Runner } from '../src-main/core/runner/runner'

const JOBS = Number(process.env.BENCH_DISPATCH_JOBS ?? 500)

export async function benchDispatchLatency(): Promise<{ p50: number; p99: number }> {
  const samples: number[] = []
  const env = tempCore(`jobs:\n  noop:\n    command: ["true"]\n`, {
    runner: {},
  })
  try {
    await env.core.api['jobs.enqueueBulk']({ type: 'noop', rows: Array.from({ length: JOBS }, () => ({})) })
    // Local mode: the SQLite runner, whose dispatch listener this measures.
    const runner = env.core.startRunner() as Runner
    runner.onDispatch((_, ms) => samples.push(ms))
    await runner.whenIdle()
    samples.sort((a, b) => a - b)
    const p50 = percentile(samples, 50)
    const p99 = percentile(samples, 99)
    report(`dispatch latency, claim → child spawned, × ${samples.length}`, [
      ['p50 (target ≤ 2 ms)', `${fmt(p50, 3)} ms`],
      ['p99 (target ≤ 5 ms)', `${fmt(p99, 3)} ms`],
      ['max', `${fmt(samples[samples.length - 1] ?? NaN, 3)} ms`],
    ])
    return { p50, p99 }
  } finally {
    await env.dispose()
  }
}
