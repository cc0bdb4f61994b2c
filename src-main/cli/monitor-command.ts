import { absoluteTime } from '../../src-shared/local-time'
import type { HostSample } from '../../src-shared/monitor'
import { formatBytes } from '../../src-shared/units'
import type { LoadedConfig } from '../core/config/load-config'
import { HealthEvaluator } from '../core/monitor/health'
import { HostSampler } from '../core/monitor/host-sampler'
import { onStopRequest } from './closed-output'
import { escapeTerminal, jsonText } from './terminal-text'

function describeSample(sample: HostSample, health: string): string {
  const m = sample.memory
  const parts = [
    `CPU ${Math.round(sample.cpuPercent).toString().padStart(3)}%${sample.load ? ` (load ${sample.load[0].toFixed(2)})` : ''}`,
    `mem ${formatBytes(m.usedBytes)}/${formatBytes(m.totalBytes)} (${Math.round(m.usedPercent)}%)`,
    ...(sample.swap && sample.swap.totalBytes > 0 ? [`swap ${formatBytes(sample.swap.usedBytes)}/${formatBytes(sample.swap.totalBytes)}`] : []),
    ...sample.disks.map((d) => `disk ${d.mount ?? d.path} ${Math.round(d.usedPercent)}% (${formatBytes(d.freeBytes)} free)`),
    `health ${health}`,
  ]
  return `${absoluteTime(new Date(sample.at).toISOString())}  ${parts.join('  ')}`
}

/** `jobdeck monitor`: samples this machine at the configured interval until interrupted (or its output is closed). */
export async function runMonitor(config: LoadedConfig, dataDir: string, json: boolean): Promise<number> {
  const paths = [dataDir, ...[...config.types.values()].flatMap((t) => (t.cwd && !t.cwd.includes('{') ? [t.cwd] : []))]
  const sampler = new HostSampler({ paths: () => paths })
  const evaluator = new HealthEvaluator(() => config.raw.monitor)
  let stopped = false
  onStopRequest(() => {
    stopped = true
  })
  await sampler.sample() // primes the CPU counters
  while (!stopped) {
    await new Promise((resolve) => setTimeout(resolve, config.raw.monitor.interval))
    if (stopped) break
    const sample = await sampler.sample()
    evaluator.update(sample)
    const { health } = evaluator
    process.stdout.write(
      json ? `${jsonText({ sample, health })}\n` : `${escapeTerminal(describeSample(sample, health.level + (health.reasons.length ? `: ${health.reasons.join('; ')}` : '')))}\n`,
    )
  }
  return 0
}
