// How long `jobdeck --help` and `jobdeck status` (a small data dir) take from start to exit, as an
// operator's script or cron sees them: the command as npm install now builds it (bin/jobdeck.mjs
// running the .cache/cli bundle) against how it ran before issue 12 (bin/jobdeck.mjs registering
// tsx and compiling the TypeScript sources in-process on every call). Old and new alternate run by
// run, so the machine's load falls on both alike.
//
// BENCH_CLI_RUNS (default 15) runs each; BENCH_CLI_OLD_BIN=path/to/old/bin/jobdeck.mjs times
// another checkout's command as "old" (e.g. a worktree of the base commit) instead of the
// sources of this one through tsx.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildCliBundle, freshBundleUrl } from '../scripts/cli-bundle.mjs'
import { fmt, percentile, report, REPORT_CONFIG, tempCore } from './bench-support'

const root = fileURLToPath(new URL('..', import.meta.url))
const NEW_BIN = path.join(root, 'bin', 'jobdeck.mjs')

/** bin/jobdeck.mjs as it was before the bundle, two folders deep like the sources it imports. */
const OLD_BIN_TEXT = `import { register } from 'tsx/esm/api'
register()
const { main } = await import('../../src-main/cli/main.ts')
process.exitCode = await main(process.argv.slice(2))
`

function oldBin(): string {
  if (process.env.BENCH_CLI_OLD_BIN) return path.resolve(process.env.BENCH_CLI_OLD_BIN)
  const file = path.join(root, '.cache', 'bench', 'jobdeck-tsx.mjs')
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, OLD_BIN_TEXT)
  return file
}

function timeOnce(bin: string, args: string[]): number {
  const started = performance.now()
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  const ms = performance.now() - started
  if (result.status !== 0) throw new Error(`${bin} ${args.join(' ')} exited ${result.status}: ${result.stderr}`)
  return ms
}

function summary(times: number[]): string {
  const sorted = [...times].sort((a, b) => a - b)
  return `median ${fmt(percentile(sorted, 50), 0)} ms · p90 ${fmt(percentile(sorted, 90), 0)} ms · min ${fmt(sorted[0] ?? NaN, 0)} ms`
}

export async function benchCliStartup(): Promise<void> {
  const runs = Number(process.env.BENCH_CLI_RUNS ?? 15)
  if (freshBundleUrl(root) === null) await buildCliBundle(root) // time the built command, not its first rebuild

  // A small data dir: 10 jobs of one type waiting.
  const { core, dir, dispose } = tempCore(REPORT_CONFIG)
  try {
    await core.api['jobs.enqueueBulk']({ type: 'report', rows: Array.from({ length: 10 }, (_, i) => ({ dealer: String(10_000 + i) })) })
    const old = oldBin()
    const cases: Array<[string, string[]]> = [
      ['--help', ['--help']],
      ['status', ['status', '--data-dir', path.join(dir, 'data'), '--config', path.join(dir, 'jobdeck.yaml')]],
    ]
    for (const [name, args] of cases) {
      timeOnce(old, args) // warm the disk cache for both
      timeOnce(NEW_BIN, args)
      const times = { old: [] as number[], new: [] as number[] }
      for (let i = 0; i < runs; i++) {
        times.old.push(timeOnce(old, args))
        times.new.push(timeOnce(NEW_BIN, args))
      }
      const ratio = percentile([...times.old].sort((a, b) => a - b), 50) / percentile([...times.new].sort((a, b) => a - b), 50)
      report(`jobdeck ${name}, start to exit (${runs} runs each, alternating; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')})`, [
        [`old: ${process.env.BENCH_CLI_OLD_BIN ? path.relative(root, old) : 'sources through tsx'}`, summary(times.old)],
        ['new: the built bundle', summary(times.new)],
        ['old / new (medians)', `${fmt(ratio, 1)}×`],
      ])
    }
  } finally {
    await dispose()
  }
}
