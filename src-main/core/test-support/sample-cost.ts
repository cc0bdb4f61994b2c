// What one sample costs the engine process: wall time, the synchronous slice the caller pays
// before sample() yields, the longest event-loop stalls while samples run, and CPU time (including
// the fs thread pool; not spawned helpers such as `ps`).
import { performance } from 'node:perf_hooks'

export interface SampleCost {
  /** Mean wall time from calling sample() to its resolution. */
  meanMs: number
  /** Longest synchronous slice: from calling sample() until it returns its promise. */
  maxSyncMs: number
  /** Process CPU time (user + system, all threads) per sample. */
  cpuMsPerSample: number
  /**
   * From a second pass with a setImmediate heartbeat, so every synchronous slice of sample() is
   * seen, not just the first: the longest event-loop iteration of all (GC pauses and scheduler
   * noise included), and the median over samples of each sample's longest iteration (robust to
   * that noise: a stall on every sample moves it, a stray pause does not).
   */
  maxBlockMs: number
  medianBlockMs: number
}

export async function measureSampleCost(sampler: { sample(): Promise<unknown> }, n: number): Promise<SampleCost> {
  const count = Math.max(1, Math.floor(n))
  let totalMs = 0
  let maxSyncMs = 0
  const cpuBefore = process.cpuUsage()
  for (let i = 0; i < count; i++) {
    const start = performance.now()
    const pending = sampler.sample()
    const returned = performance.now()
    await pending
    totalMs += performance.now() - start
    maxSyncMs = Math.max(maxSyncMs, returned - start)
  }
  const cpu = process.cpuUsage(cpuBefore)

  // Separate pass: the heartbeat spins the loop, which would inflate the CPU figure above.
  let running = true
  let longest = 0
  let last = performance.now()
  const beat = (): void => {
    const now = performance.now()
    longest = Math.max(longest, now - last)
    last = now
    if (running) setImmediate(beat)
  }
  setImmediate(beat)
  const perSample: number[] = []
  try {
    for (let i = 0; i < count; i++) {
      longest = 0
      await sampler.sample()
      // The iteration that resolved the sample ends after this continuation: wait for the next beat.
      await new Promise((resolve) => setImmediate(resolve))
      perSample.push(longest)
    }
  } finally {
    running = false
  }
  perSample.sort((a, b) => a - b)
  return {
    meanMs: totalMs / count,
    maxSyncMs,
    cpuMsPerSample: (cpu.user + cpu.system) / 1000 / count,
    maxBlockMs: perSample.at(-1) ?? 0,
    medianBlockMs: perSample[Math.floor(perSample.length / 2)] ?? 0,
  }
}
