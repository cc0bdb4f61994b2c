// Shared pieces of the benchmarks: temp data dirs, timing and percentile helpers, printing.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createCore, type Core, type CoreOptions } from '../src-main/core/core'

/** One job type and nothing else: what a start-up is timed against. */
export const REPORT_CONFIG = `
jobs:
  report:
    title: Build a report
    command: [node, -e, "setTimeout(Object, 10)"]
    params:
      dealer: { type: string, required: true }
`

export function tempCore(configYaml: string, options: Partial<CoreOptions> = {}): { core: Core; dir: string; dispose(): Promise<void> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-bench-'))
  const configPath = path.join(dir, 'jobdeck.yaml')
  fs.writeFileSync(configPath, configYaml)
  const core = createCore({ dataDir: path.join(dir, 'data'), configPath, ...options })
  return {
    core,
    dir,
    async dispose() {
      await core.close()
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[index] as number
}

export function report(title: string, rows: Array<[string, string]>): void {
  const width = Math.max(...rows.map(([k]) => k.length))
  process.stdout.write(`\n${title}\n`)
  for (const [k, v] of rows) process.stdout.write(`  ${k.padEnd(width)}  ${v}\n`)
}

export const fmt = (n: number, digits = 2): string => n.toFixed(digits)
