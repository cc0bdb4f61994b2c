// A day of history for the timeline benchmark: 100k runs over 24 h in several types and lanes,
// written straight into a core's SQLite store in one transaction (what a busy month-old install
// holds). Runs are inserted as `running` and then finished by an UPDATE, so the maintained
// per-type stats (and the longest-duration figure the timeline query relies on) come from the
// store's own triggers, as in production. Lanes are sequential (limit 1) except `reports` (2);
// a few deliberate overlaps in limit-1 lanes give the overlap list something to find.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ulid } from 'ulid'
import { createCore, type Core } from '../src-main/core/core'
import { seededRandom } from '../src-main/core/test-support/seeded-random'

export const TIMELINE_CONFIG = `
lanes:
  reports: { limit: 2 }
jobs:
  fetch-prospects:
    command: [node, -e, "0"]
    params: { dealer_id: { type: string, required: true } }
    lane: "dealer:{dealer_id}"
  sync-inventory:
    command: [node, -e, "0"]
    params: { warehouse: { type: string, default: north } }
    lane: "warehouse:{warehouse}"
  send-invoices:
    command: [node, -e, "0"]
    lane: reports
  rebuild-report:
    command: [node, -e, "0"]
    lane: reports
  ping-partner:
    command: [node, -e, "0"]
    params: { partner: { type: string, default: a } }
    lane: "partner:{partner}"
`

interface LanePlan {
  type: string
  lane: string
  params: Record<string, string>
  /** Median run duration, ms (log-normal around it). */
  median: number
  /** Share of the 100k runs. */
  weight: number
}

const PLANS: LanePlan[] = [
  ...['10001', '10002', '10003', '10004', '10005', '10006', '10007', '10008'].map((d) => ({
    type: 'fetch-prospects',
    lane: `dealer:${d}`,
    params: { dealer_id: d },
    median: 4_000,
    weight: 1,
  })),
  ...['north', 'south', 'east'].map((w) => ({ type: 'sync-inventory', lane: `warehouse:${w}`, params: { warehouse: w }, median: 2_500, weight: 1.2 })),
  { type: 'send-invoices', lane: 'reports', params: {}, median: 40_000, weight: 0.15 },
  { type: 'rebuild-report', lane: 'reports', params: {}, median: 120_000, weight: 0.05 },
  ...['a', 'b', 'c'].map((p) => ({ type: 'ping-partner', lane: `partner:${p}`, params: { partner: p }, median: 600, weight: 1.4 })),
]

const STATUS_ODDS: Array<[string, number]> = [
  ['succeeded', 0.93],
  ['failed', 0.04],
  ['partial', 0.015],
  ['canceled', 0.01],
  ['interrupted', 0.005],
]

export interface SeededCore {
  core: Core
  dir: string
  runs: number
  since: number
  until: number
  dispose(): Promise<void>
}

/**
 * Creates a data dir with `total` runs spread over the `spanMs` before `now`, plus a day of host
 * minutes; `extraConfig` is appended to the config (the forecast benchmark's schedules).
 */
export function seedTimelineCore(total = 100_000, spanMs = 86_400_000, now = Date.now(), extraConfig = ''): SeededCore {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-bench-timeline-'))
  const configPath = path.join(dir, 'jobdeck.yaml')
  fs.writeFileSync(configPath, TIMELINE_CONFIG + extraConfig)
  const core = createCore({ dataDir: path.join(dir, 'data'), configPath, synchronous: 'NORMAL' })
  const db = core.store.db
  // The same day on every run, so runs of the benchmark compare.
  const rnd = seededRandom(42)
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd())
  const since = now - spanMs
  const weightSum = PLANS.reduce((s, p) => s + p.weight, 0)

  const insertJob = db.prepare(`INSERT INTO jobs (id, type, params, priority, lane, status, ord, attempts, created_at, queued_at, finished_at, last_run_id, seq)
    VALUES (@id, @type, @params, 0, @lane, @jobStatus, @ord, 1, @queuedAt, @queuedAt, @finishedAt, @runId, @seq)`)
  const insertRun = db.prepare(`INSERT INTO runs (id, job_id, type, lane, params, attempt, status, queued_at, started_at, finished_at, runner_id, seq, peak_rss_bytes, cpu_seconds)
    VALUES (@runId, @id, @type, @lane, @params, 1, 'running', @queuedAt, @startedAt, @finishedAt, 'bench', @seq, @rss, @cpu)`)
  const finishRun = db.prepare(`UPDATE runs SET status = @status, error = @error WHERE id = @runId`)
  const insertMinute = db.prepare(`INSERT OR REPLACE INTO host_minutes (minute, samples, cpu_min, cpu_avg, cpu_max, mem_min, mem_avg, mem_max, disk_max)
    VALUES (?, 60, ?, ?, ?, ?, ?, ?, 40)`)

  let seq = 0
  let written = 0
  db.transaction(() => {
    for (const [p, plan] of PLANS.entries()) {
      const count = p === PLANS.length - 1 ? total - written : Math.round((total * plan.weight) / weightSum)
      const slot = spanMs / count
      const params = JSON.stringify(plan.params)
      let cursor = since
      for (let i = 0; i < count; i++) {
        // Log-normal durations around the lane's median, never beyond the slot a lane can give a
        // sequential run, except the rare long one.
        let duration = Math.max(50, Math.round(plan.median * Math.exp(0.9 * gauss())))
        const laneSlot = plan.lane === 'reports' ? slot * 2 : slot
        if (duration > laneSlot * 0.9 && rnd() > 0.01) duration = Math.round(laneSlot * (0.3 + 0.5 * rnd()))
        const gap = Math.max(0, laneSlot - duration) * (0.5 + rnd())
        let startedAt = Math.round(cursor + gap)
        // A few deliberate overlaps in limit-1 lanes: what the overlap list exists for.
        if (plan.lane.startsWith('dealer:') && i % 4000 === 2000) startedAt = Math.round(cursor - duration / 2)
        const finishedAt = startedAt + duration
        cursor = plan.lane === 'reports' ? cursor + slot : Math.max(cursor, finishedAt)
        const queuedAt = startedAt - Math.round(rnd() < 0.7 ? rnd() * 2_000 : rnd() * 60_000)
        const live = i === count - 1 && p % 5 === 0 && finishedAt > now - 60_000
        let status = 'succeeded'
        let u = rnd()
        for (const [s, odds] of STATUS_ODDS) {
          if (u < odds) {
            status = s
            break
          }
          u -= odds
        }
        const id = ulid(queuedAt)
        const runId = ulid(startedAt)
        seq++
        const row = {
          id,
          runId,
          type: plan.type,
          lane: plan.lane,
          params,
          queuedAt,
          startedAt,
          finishedAt: live ? null : Math.min(finishedAt, now),
          ord: seq,
          seq,
          jobStatus: live ? 'running' : status === 'interrupted' ? 'failed' : status,
          rss: Math.round(30e6 + rnd() * 400e6),
          cpu: (duration / 1000) * (0.05 + rnd() * 1.4),
        }
        insertJob.run(row)
        insertRun.run(row)
        if (!live) finishRun.run({ runId, status, error: status === 'failed' ? 'exit code 1' : null })
      }
      written += count
    }
    for (let m = Math.floor(since / 60_000) * 60_000; m < now; m += 60_000) {
      const day = ((m / 86_400_000) % 1) * 2 * Math.PI
      const cpu = 20 + 15 * Math.sin(day) + rnd() * 10
      const mem = 55 + 10 * Math.sin(day / 2) + rnd() * 3
      insertMinute.run(m, cpu * 0.5, cpu, Math.min(100, cpu * 1.8), mem - 2, mem, mem + 2)
    }
    db.prepare(`UPDATE meta SET value = ? WHERE key = 'seq'`).run(String(seq))
  })()

  return {
    core,
    dir,
    runs: written,
    since,
    until: now,
    async dispose() {
      await core.close()
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}
