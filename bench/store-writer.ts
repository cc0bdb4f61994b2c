// What the store's writer costs per run, without the runner or a child process: claim, output,
// finish through SqliteStore, one transaction each, `synchronous=NORMAL` so the disk's flush
// does not hide the CPU. Three kinds of run: silent and successful, failed with an error and
// no output, and succeeded after printing 20 lines (which search indexes).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { jobAfterRun } from '../src-main/core/model/transitions'
import { openDatabase } from '../src-main/core/store/sqlite/open-database'
import { SqliteStore } from '../src-main/core/store/sqlite/sqlite-store'
import { fmt, report } from './bench-support'

const RUNS = Number(process.env.BENCH_WRITER_RUNS ?? 8000)
type Kind = 'silent' | 'error' | 'lines'

const LINES = Array.from({ length: 20 }, (_, i) => `page ${i + 1} of 20: synced ${1200 + i * 37} skus of warehouse north, stock levels reconciled`)

function measure(kind: Kind): { usPerRun: number; cpuUsPerRun: number; kbPerRun: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-bench-writer-'))
  const file = path.join(dir, 'jobdeck.sqlite')
  const db = openDatabase(file, { synchronous: 'NORMAL' })
  const store = new SqliteStore(db)
  try {
    store.enqueue(Array.from({ length: RUNS }, (_, i) => ({ id: `job-${String(i).padStart(7, '0')}`, type: 't', params: {}, priority: 'normal' as const, lane: 'x' })), 1000)
    const t0 = performance.now()
    const cpu0 = process.cpuUsage()
    for (let i = 0; i < RUNS; i++) {
      const now = 2000 + i
      const [claimed] = store.claim({ now, runnerId: 'r', concurrency: 1, laneLimit: () => 1, allowedTypes: ['t'] })
      if (!claimed) throw new Error(`run ${i} was not claimed`)
      const runId = claimed.run.id
      if (kind === 'lines') store.appendLogs(LINES.map((text) => ({ runId, stream: 'stdout' as const, at: now, text })), () => 1_000_000)
      const outcome = kind === 'error' ? 'failed' : 'succeeded'
      const error = kind === 'error' ? `exit code 1: inventory API of warehouse north is unavailable (503), attempt ${i}` : null
      store.finish({
        runId, runnerId: 'r', now: now + 1, outcome, exitCode: kind === 'error' ? 1 : 0, signal: null, error,
        progress: { percent: null, current: null, total: null, message: null }, itemsOk: null, itemsFailed: null,
        transition: jobAfterRun({ outcome, error, now: now + 1 }, 0, () => null),
      })
    }
    const ms = performance.now() - t0
    const cpu = process.cpuUsage(cpu0)
    db.pragma('wal_checkpoint(TRUNCATE)')
    return { usPerRun: (ms * 1000) / RUNS, cpuUsPerRun: (cpu.user + cpu.system) / RUNS, kbPerRun: fs.statSync(file).size / 1024 / RUNS }
  } finally {
    store.close()
    db.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

export async function benchStoreWriter(): Promise<void> {
  const rows: Array<[string, string]> = []
  for (const [kind, name] of [['silent', 'silent success'], ['error', 'failed, error only'], ['lines', 'success printing 20 lines']] as const) {
    const r = measure(kind)
    rows.push([name, `${fmt(r.usPerRun, 0)} µs · CPU ${fmt(r.cpuUsPerRun, 0)} µs · ${fmt(r.kbPerRun, 2)} KiB per run`])
  }
  report(`store writer: claim + output + finish × ${RUNS}, one transaction each, synchronous=NORMAL`, rows)
}
