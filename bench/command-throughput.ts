// Command jobs (`true`) through the durable queue vs. bare spawn of the same command, same run.
import { spawn } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import { fmt, report, tempCore } from './bench-support'

const JOBS = Number(process.env.BENCH_JOBS ?? 500)

function bareSpawn(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('true', [], { stdio: ['ignore', 'pipe', 'pipe'] })
    child.once('error', reject)
    child.once('close', () => resolve())
  })
}

export async function benchCommandThroughput(): Promise<{ queuedMs: number; bareMs: number; ratio: number }> {
  for (let i = 0; i < 20; i++) await bareSpawn() // warm-up
  const bareStart = performance.now()
  for (let i = 0; i < JOBS; i++) await bareSpawn()
  const bareMs = (performance.now() - bareStart) / JOBS

  const env = tempCore(`jobs:\n  noop:\n    command: ["true"]\n`)
  try {
    await env.core.api['jobs.enqueueBulk']({ type: 'noop', rows: Array.from({ length: JOBS }, () => ({})) })
    const start = performance.now()
    const cpuBefore = process.cpuUsage()
    const runner = env.core.startRunner()
    await runner.whenIdle()
    const queuedMs = (performance.now() - start) / JOBS
    const cpu = process.cpuUsage(cpuBefore)
    const engineCpuMs = (cpu.user + cpu.system) / 1000 / JOBS
    const ok = env.core.store.counts().succeeded
    if (ok !== JOBS) throw new Error(`expected ${JOBS} succeeded jobs, got ${ok}`)
    const ratio = queuedMs / bareMs
    report(`command jobs (true) × ${JOBS}, sequential, synchronous=FULL`, [
      ['bare spawn per job', `${fmt(bareMs)} ms`],
      ['through the durable queue', `${fmt(queuedMs)} ms`],
      ['ratio (target ≤ 1.3×)', `${fmt(ratio)}×`],
      ['engine CPU per job (user + system, children excluded)', `${fmt(engineCpuMs, 3)} ms`],
    ])
    return { queuedMs, bareMs, ratio }
  } finally {
    await env.dispose()
  }
}
