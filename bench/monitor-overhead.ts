// Monitor overhead at 1 Hz with one running job: CPU the monitor itself costs per minute, and the
// longest event-loop stall one sample causes.
import { HostSampler } from '../src-main/core/monitor/host-sampler'
import { ProcessTreeUsage } from '../src-main/core/monitor/process-usage'
import { measureSampleCost } from '../src-main/core/test-support/sample-cost'
import { fmt, report, tempCore } from './bench-support'

const WINDOW_S = Number(process.env.BENCH_MONITOR_SECONDS ?? 20)
// The monitor runs 20× faster than its 1 Hz default so its cost stands out of the noise; the
// figure is scaled back to 1 Hz.
const SPEEDUP = 20

const CONFIG = `
monitor: { interval: ${1000 / SPEEDUP}ms, runInterval: ${1000 / SPEEDUP}ms }
jobs:
  long:
    command: [node, -e, "const k = Buffer.alloc(50e6, 1); setTimeout(() => console.log(k.length), 600000)"]
`

async function cpuOver(seconds: number): Promise<number> {
  const before = process.cpuUsage()
  await new Promise((r) => setTimeout(r, seconds * 1000))
  const used = process.cpuUsage(before)
  return (used.user + used.system) / 1e6
}

export async function benchMonitorOverhead(): Promise<{ percentOfCore: number; maxStallMs: number }> {
  const env = tempCore(CONFIG)
  try {
    await env.core.api['jobs.enqueue']({ type: 'long', params: {} })
    const runner = env.core.startRunner()
    const monitor = env.core.monitor()
    if (!monitor) throw new Error('no monitor')
    const pid = await new Promise<number>((resolve) => {
      const poll = setInterval(() => {
        const active = runner.activeRuns()[0]
        if (active?.pid) {
          clearInterval(poll)
          resolve(active.pid)
        }
      }, 20)
    })
    // The same process with and without the monitor; the difference is what the monitor costs.
    monitor.stop()
    const withoutMonitor = await cpuOver(WINDOW_S)
    monitor.start()
    const withMonitor = await cpuOver(WINDOW_S)
    const perMinute = ((withMonitor - withoutMonitor) / WINDOW_S / SPEEDUP) * 60
    const percentOfCore = (perMinute / 60) * 100

    monitor.stop()
    const host = await measureSampleCost(new HostSampler({ paths: () => [env.dir, '/tmp'] }), 60)
    const tree = await measureSampleCost(new ProcessTreeUsage(pid), 60)
    const maxStallMs = Math.max(host.maxSyncMs, tree.maxSyncMs)
    report(`monitor overhead at 1 Hz with 1 running job (${WINDOW_S} s windows with and without it, at ${SPEEDUP} Hz, scaled)`, [
      ['monitor CPU per minute', `${fmt(perMinute, 3)} s = ${fmt(percentOfCore, 3)} % of one core (target ≤ 0.5 %)`],
      ['host sample: wall / CPU', `${fmt(host.meanMs, 3)} ms / ${fmt(host.cpuMsPerSample, 3)} ms`],
      ['run tree sample: wall / CPU', `${fmt(tree.meanMs, 3)} ms / ${fmt(tree.cpuMsPerSample, 3)} ms`],
      ['synchronous slice, host / tree sample', `${fmt(host.maxSyncMs, 3)} ms / ${fmt(tree.maxSyncMs, 3)} ms (target ≤ 1 ms)`],
      ['longest loop iteration while sampling, host / tree', `${fmt(host.maxBlockMs, 3)} ms / ${fmt(tree.maxBlockMs, 3)} ms`],
    ])
    return { percentOfCore, maxStallMs }
  } finally {
    await env.dispose()
  }
}
