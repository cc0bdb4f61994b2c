// One retention pass over the SQLite file (the queue and history in local mode, the cache in
// shared mode): finished jobs, old output, oversized output, schedule fires and alert deliveries,
// each in small timed write transactions (batch-clock.ts), then a passive checkpoint so the WAL
// the deletes wrote goes back to the database without waiting for readers.
import type { RetentionPass, RetentionPreview } from '../../../src-shared/retention'
import type { RetentionConfig } from '../../../src-shared/retention-config'
import type { SqliteDatabase } from '../store/sqlite/open-database'
import { BatchClock } from './batch-clock'
import { JobRetention, type JobCutoffs } from './job-retention'
import { LogRetention } from './log-retention'
import { SearchMerges } from './search-merges'

export type RetentionDeleted = RetentionPass['deleted']

/** meta keys: the last pass (JSON RetentionPass), and the runs.seq the per-run cap has read up to. */
export const LAST_PASS_KEY = 'retention.lastPass'
const CAP_SEQ_KEY = 'retention.capSeq'

export function jobCutoffs(policy: RetentionConfig, now: number): JobCutoffs {
  return {
    succeeded: now - policy.succeeded,
    partial: now - policy.partial,
    failed: now - policy.failed,
    canceled: now - policy.canceled,
  }
}

export function noneDeleted(): RetentionDeleted {
  return { jobs: 0, runs: 0, logLines: 0, trimmedRuns: 0, fires: 0, deliveries: 0, audit: 0, samples: 0 }
}

function statements(db: SqliteDatabase) {
  return {
    getMeta: db.prepare(`SELECT value FROM meta WHERE key = ?`).pluck(),
    setMeta: db.prepare(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`),
    // Each schedule's newest fire stays whatever its age: the scheduler reads it to know where it left off.
    oldFires: db.prepare(`SELECT schedule, scheduled_for AS scheduledFor FROM schedule_fires f INDEXED BY schedule_fires_newest
      WHERE scheduled_for < ? AND scheduled_for < (SELECT max(scheduled_for) FROM schedule_fires WHERE schedule = f.schedule)
      ORDER BY scheduled_for LIMIT ?`),
    deleteFire: db.prepare(`DELETE FROM schedule_fires WHERE schedule = ? AND scheduled_for = ?`),
    countFires: db.prepare(`SELECT count(*) FROM (SELECT 1 FROM schedule_fires f WHERE scheduled_for < ?
      AND scheduled_for < (SELECT max(scheduled_for) FROM schedule_fires WHERE schedule = f.schedule) LIMIT ?)`).pluck(),
    // Sent or given up: a pending delivery is still owed to its channel. Its alerts go with it (ON DELETE CASCADE).
    deleteDeliveries: db.prepare(`DELETE FROM alert_deliveries WHERE id IN (SELECT id FROM alert_deliveries INDEXED BY alert_deliveries_newest
      WHERE created_at < ? AND status IN ('sent','failed') ORDER BY created_at LIMIT ?)`),
    countDeliveries: db.prepare(`SELECT count(*) FROM (SELECT 1 FROM alert_deliveries
      WHERE created_at < ? AND status IN ('sent','failed') LIMIT ?)`).pluck(),
    // Oldest first by the newest-first index. A pending record (shared mode: not in PostgreSQL yet)
    // waits for its push: the shared database's retention decides for it then.
    deleteAudit: db.prepare(`DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log INDEXED BY audit_log_newest
      WHERE at < ? AND pending = 0 ORDER BY at LIMIT ?)`),
    countAudit: db.prepare(`SELECT count(*) FROM (SELECT 1 FROM audit_log WHERE at < ? AND pending = 0 LIMIT ?)`).pluck(),
    // As the pass reads them: in write order, up to the first line newer than the cutoff (so a
    // history whose old output is gone costs one row to look at, not a scan of all output).
    countOldLines: db.prepare(`SELECT count(*) FROM (SELECT 1 FROM run_logs l JOIN runs r ON r.id = l.run_id
      WHERE l.id < coalesce((SELECT id FROM run_logs WHERE at >= @cutoff ORDER BY id LIMIT 1), 9223372036854775807)
        AND l.at < @cutoff AND r.status <> 'running' LIMIT @cap)`).pluck(),
    checkpoint: db.prepare(`PRAGMA wal_checkpoint(PASSIVE)`),
  }
}

export class SqliteRetention {
  private readonly stmt: ReturnType<typeof statements>
  private readonly jobs: JobRetention
  private readonly logs: LogRetention
  private readonly merges: SearchMerges

  constructor(
    db: SqliteDatabase,
    /** A write transaction; a lost one is only done again by the next pass, so it may be relaxed. */
    private readonly tx: <T>(fn: () => T) => T,
  ) {
    this.stmt = statements(db)
    this.jobs = new JobRetention(db)
    this.logs = new LogRetention(db)
    this.merges = new SearchMerges(db, tx)
  }

  /** Applies `policy` to the rows there are now; `longestTxMs` is the longest single write transaction. */
  async apply(policy: RetentionConfig, now: number): Promise<{ deleted: RetentionDeleted; longestTxMs: number }> {
    const clock = new BatchClock(policy.batch, this.tx, async (c) => {
      await this.merges.step(c)
      this.stmt.checkpoint.run()
    })
    const deleted = noneDeleted()
    this.merges.pause()
    try {
      const jobs = await this.jobs.delete(jobCutoffs(policy, now), this.jobs.kept(policy.keepLast), clock)
      deleted.jobs = jobs.jobs
      deleted.runs = jobs.runs
      clock.nextPhase()
      if (policy.logs.ageMs !== null) deleted.logLines += await this.logs.deleteOlderThan(now - policy.logs.ageMs, clock)
      clock.nextPhase()
      if (policy.logs.perRunBytes !== null) {
        const from = Number(this.stmt.getMeta.get(CAP_SEQ_KEY) ?? 0)
        const capped = await this.logs.capSince(from, policy.logs.perRunBytes, clock)
        deleted.logLines += capped.logLines
        deleted.trimmedRuns += capped.trimmedRuns
        this.tx(() => this.stmt.setMeta.run(CAP_SEQ_KEY, String(capped.seq)))
      }
      clock.nextPhase()
      deleted.fires = await this.deleteFires(now - policy.fires, clock)
      clock.nextPhase()
      deleted.deliveries = await this.deleteDeliveries(now - policy.alerts, clock)
      clock.nextPhase()
      deleted.audit = await this.deleteAudit(now - policy.audit, clock)
    } finally {
      clock.nextPhase()
      await this.merges.resume(clock)
    }
    this.stmt.checkpoint.run()
    return { deleted, longestTxMs: clock.longestTxMs }
  }

  /**
   * What a pass would delete now, each part counted up to `cap` rows (`capped`: more). Trimmed
   * output of oversized runs is not previewed: it is found as runs finish.
   */
  preview(policy: RetentionConfig, now: number, cap: number): RetentionPreview {
    const jobs = this.jobs.count(jobCutoffs(policy, now), this.jobs.kept(policy.keepLast), cap)
    const logLines = policy.logs.ageMs === null ? 0 : (this.stmt.countOldLines.get({ cutoff: now - policy.logs.ageMs, cap: cap + 1 }) as number)
    const fires = this.stmt.countFires.get(now - policy.fires, cap + 1) as number
    const deliveries = this.stmt.countDeliveries.get(now - policy.alerts, cap + 1) as number
    const audit = this.stmt.countAudit.get(now - policy.audit, cap + 1) as number
    return {
      jobs: jobs.jobs,
      runs: jobs.runs,
      logLines: Math.min(logLines, cap),
      fires: Math.min(fires, cap),
      deliveries: Math.min(deliveries, cap),
      audit: Math.min(audit, cap),
      capped: jobs.capped || logLines > cap || fires > cap || deliveries > cap || audit > cap,
    }
  }

  lastPass(): RetentionPass | null {
    const text = this.stmt.getMeta.get(LAST_PASS_KEY) as string | undefined
    if (!text) return null
    try {
      return JSON.parse(text) as RetentionPass
    } catch {
      return null
    }
  }

  saveLastPass(pass: RetentionPass): void {
    this.tx(() => this.stmt.setMeta.run(LAST_PASS_KEY, JSON.stringify(pass)))
  }

  private async deleteFires(cutoff: number, clock: BatchClock): Promise<number> {
    let total = 0
    for (;;) {
      const fires = this.stmt.oldFires.all(cutoff, clock.batch) as Array<{ schedule: string; scheduledFor: number }>
      if (fires.length === 0) return total
      const removed = await clock.write(() => fires.reduce((n, fire) => n + this.stmt.deleteFire.run(fire.schedule, fire.scheduledFor).changes, 0))
      if (removed === 0) return total
      total += removed
    }
  }

  private async deleteAudit(cutoff: number, clock: BatchClock): Promise<number> {
    let total = 0
    for (;;) {
      const removed = await clock.write(() => this.stmt.deleteAudit.run(cutoff, clock.batch).changes)
      total += removed
      if (removed === 0) return total
    }
  }

  private async deleteDeliveries(cutoff: number, clock: BatchClock): Promise<number> {
    let total = 0
    for (;;) {
      const removed = await clock.write(() => this.stmt.deleteDeliveries.run(cutoff, clock.batch).changes)
      total += removed
      if (removed === 0) return total
    }
  }
}
