import type { ConcurrencyChange, Health, HostMinute, HostSample, RunUsagePoint } from '../../../../src-shared/monitor'
import type { SqliteDatabase } from './open-database'
import type { SqliteStore } from './sqlite-store'

const MINUTE = 60_000

interface SampleRow {
  at: number
  detail: string
}

interface ConcurrencyRow {
  at: number
  from_n: number
  to_n: number
  max_n: number
  reason: string
}

const changeOf = (r: ConcurrencyRow): ConcurrencyChange => ({ at: new Date(r.at).toISOString(), from: r.from_n, to: r.to_n, max: r.max_n, reason: r.reason })

interface MinuteRow {
  minute: number
  samples: number
  cpu_min: number
  cpu_avg: number
  cpu_max: number
  mem_min: number
  mem_avg: number
  mem_max: number
  disk_max: number | null
}

/**
 * Samples, per-minute aggregates, run usage series and adaptive concurrency's steps. Written with synchronous=NORMAL: a
 * sample is not a result, and a process crash still keeps it.
 */
export class MonitorStore {
  private readonly stmt: ReturnType<typeof prepare>

  constructor(
    private readonly db: SqliteDatabase,
    private readonly store: Pick<SqliteStore, 'relaxedTx'>,
  ) {
    this.stmt = prepare(db)
  }

  insertSample(sample: HostSample): void {
    const diskMax = sample.disks.length ? Math.max(...sample.disks.map((d) => d.usedPercent)) : null
    this.store.relaxedTx(() =>
      this.stmt.insertSample.run({
        at: sample.at,
        cpu: sample.cpuPercent,
        memUsed: sample.memory.usedBytes,
        memTotal: sample.memory.totalBytes,
        swapUsed: sample.swap?.usedBytes ?? null,
        swapTotal: sample.swap?.totalBytes ?? null,
        load1: sample.load?.[0] ?? null,
        diskMax,
        detail: JSON.stringify(sample),
      }),
    )
  }

  /** (Re)computes the aggregate of the minute containing `at` from its raw samples. */
  aggregateMinute(at: number): void {
    const minute = Math.floor(at / MINUTE) * MINUTE
    this.store.relaxedTx(() => this.stmt.aggregate.run({ from: minute, to: minute + MINUTE }))
  }

  prune(now: number, rawRetentionMs: number, aggregateRetentionMs: number): void {
    this.store.relaxedTx(() => {
      this.stmt.pruneRaw.run(now - rawRetentionMs)
      this.stmt.pruneMinutes.run(now - aggregateRetentionMs)
      this.stmt.pruneConcurrency.run(now - aggregateRetentionMs)
    })
  }

  latestSample(): HostSample | null {
    const row = this.stmt.latest.get() as SampleRow | undefined
    return row ? (JSON.parse(row.detail) as HostSample) : null
  }

  samples(since: number, until: number): HostSample[] {
    return (this.stmt.range.all(since, until) as SampleRow[]).map((r) => JSON.parse(r.detail) as HostSample)
  }

  minutes(since: number, until: number): HostMinute[] {
    return (this.stmt.minutes.all(since, until) as MinuteRow[]).map((r) => ({
      minute: r.minute,
      samples: r.samples,
      cpu: { min: r.cpu_min, avg: r.cpu_avg, max: r.cpu_max },
      memory: { min: r.mem_min, avg: r.mem_avg, max: r.mem_max },
      diskMax: r.disk_max,
    }))
  }

  insertConcurrencyChange(change: ConcurrencyChange): void {
    this.store.relaxedTx(() => this.stmt.insertConcurrency.run(Date.parse(change.at), change.from, change.to, change.max, change.reason))
  }

  /** The steps of the effective concurrency in [since, until), oldest first. */
  concurrencyChanges(since: number, until: number): ConcurrencyChange[] {
    return (this.stmt.concurrencyRange.all(since, until) as ConcurrencyRow[]).map(changeOf)
  }

  lastConcurrencyChange(): ConcurrencyChange | null {
    const row = this.stmt.lastConcurrency.get() as ConcurrencyRow | undefined
    return row ? changeOf(row) : null
  }

  insertRunUsage(points: ReadonlyArray<RunUsagePoint & { runId: string }>): void {
    if (points.length === 0) return
    this.store.relaxedTx(() => {
      for (const p of points) this.stmt.insertUsage.run(p.runId, p.at, p.cpuPercent, p.rssBytes)
    })
  }

  runUsage(runId: string): RunUsagePoint[] {
    return (this.stmt.usage.all(runId) as Array<{ at: number; cpu: number; rss: number }>).map((r) => ({
      at: r.at,
      cpuPercent: r.cpu,
      rssBytes: r.rss,
    }))
  }

  saveHealth(health: Health): void {
    this.store.relaxedTx(() => this.stmt.setMeta.run('health', JSON.stringify(health)))
  }

  savedHealth(): Health | null {
    const row = this.stmt.getMeta.get('health') as { value: string } | undefined
    return row ? (JSON.parse(row.value) as Health) : null
  }

  /** Durations (ms) of the most recent successful runs of a type, for overrun detection. */
  recentDurations(type: string, limit: number): number[] {
    return (this.stmt.durations.all(type, limit) as Array<{ ms: number }>).map((r) => r.ms)
  }
}

function prepare(db: SqliteDatabase) {
  return {
    insertSample: db.prepare(`INSERT OR REPLACE INTO host_samples (at, cpu, mem_used, mem_total, swap_used, swap_total, load1, disk_max, detail)
      VALUES (@at, @cpu, @memUsed, @memTotal, @swapUsed, @swapTotal, @load1, @diskMax, @detail)`),
    aggregate: db.prepare(`INSERT OR REPLACE INTO host_minutes
      (minute, samples, cpu_min, cpu_avg, cpu_max, mem_min, mem_avg, mem_max, disk_max)
      SELECT @from, count(*), min(cpu), avg(cpu), max(cpu),
        min(mem_used * 100.0 / mem_total), avg(mem_used * 100.0 / mem_total), max(mem_used * 100.0 / mem_total), max(disk_max)
      FROM host_samples WHERE at >= @from AND at < @to HAVING count(*) > 0`),
    pruneRaw: db.prepare(`DELETE FROM host_samples WHERE at < ?`),
    pruneMinutes: db.prepare(`DELETE FROM host_minutes WHERE minute < ?`),
    latest: db.prepare(`SELECT at, detail FROM host_samples ORDER BY at DESC LIMIT 1`),
    range: db.prepare(`SELECT at, detail FROM host_samples WHERE at >= ? AND at < ? ORDER BY at`),
    minutes: db.prepare(`SELECT * FROM host_minutes WHERE minute >= ? AND minute < ? ORDER BY minute`),
    insertConcurrency: db.prepare(`INSERT INTO concurrency_changes (at, from_n, to_n, max_n, reason) VALUES (?, ?, ?, ?, ?)`),
    concurrencyRange: db.prepare(`SELECT * FROM concurrency_changes WHERE at >= ? AND at < ? ORDER BY at, rowid`),
    lastConcurrency: db.prepare(`SELECT * FROM concurrency_changes ORDER BY at DESC, rowid DESC LIMIT 1`),
    pruneConcurrency: db.prepare(`DELETE FROM concurrency_changes WHERE at < ?`),
    insertUsage: db.prepare(`INSERT OR REPLACE INTO run_usage (run_id, at, cpu, rss) VALUES (?, ?, ?, ?)`),
    usage: db.prepare(`SELECT at, cpu, rss FROM run_usage WHERE run_id = ? ORDER BY at`),
    getMeta: db.prepare(`SELECT value FROM meta WHERE key = ?`),
    setMeta: db.prepare(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`),
    durations: db.prepare(`SELECT finished_at - started_at AS ms FROM runs INDEXED BY runs_type_started
      WHERE type = ? AND status = 'succeeded' AND finished_at IS NOT NULL ORDER BY started_at DESC LIMIT ?`),
  }
}
