// Command jobs through the durable queue vs. bare spawn of the same command, same run: `true`
// (the queue's own cost), then a command that prints 20 lines (what capturing, storing and
// indexing output for search adds).
import { spawn } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import { fmt, report, tempCore } from './bench-support'

const JOBS = Number(process.env.BENCH_JOBS ?? 500)

/** 20 lines of the kind real jobs print: words, figures, a name repeated across runs. */
const PRINTING = [
  'printf',
  '%s\n',
  ...Array.from({ length: 20 }, (_, i) => `page ${i + 1} of 20: synced ${1200 + i * 37} skus of warehouse north, stock levels reconciled`),
]

function bareSpawn(argv: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout.resume()
    child.stderr.resume()
    child.once('error', reject)
    child.once('close', () => resolve())
  })
}

async function measure(argv: readonly string[], title: string): Promise<{ queuedMs: number; bareMs: number; ratio: number }> {
  for (let i = 0; i < 20; i++) await bareSpawn(argv) // warm-up
  const bareStart = performance.now()
  for (let i = 0; i < JOBS; i++) await bareSpawn(argv)
  const bareMs = (performance.now() - bareStart) / JOBS

  const env = tempCore(`jobs:\n  noop:\n    command: ${JSON.stringify(argv)}\n`)
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
    report(`${title} × ${JOBS}, sequential, synchronous=FULL`, [
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

export async function benchCommandThroughput(): Promise<{ queuedMs: number; bareMs: number; ratio: number }> {
  const silent = await measure(['true'], 'command jobs (true)')
  await measure(PRINTING, `command jobs printing ${PRINTING.length - 2} lines (printf)`)
  return silent
}
