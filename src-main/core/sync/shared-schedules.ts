// Schedules in shared mode: the fires and pauses of the shared database while it is reachable
// (every instance's), the local copy while it is not. A fire made offline is recorded locally
// with its job and one outbox entry in one SQLite commit, and pushed later like an enqueue: the
// key decides in PostgreSQL. If another instance had already made that fire, the push inserts
// nothing and the local job (never run: offline nothing is claimed) is taken back out of the cache.
import type { Job } from '../../../src-shared/domain'
import { JobdeckError } from '../../../src-shared/errors'
import type { PgSchedules } from '../store/postgres/pg-schedules'
import type { FireFilter, FireRecord, FireWrite, PreviousJob, SchedulePause, ScheduleStore } from '../store/schedule-store'
import type { CacheStore } from '../store/sqlite/cache-store'
import { toJob } from '../store/sqlite/rows'
import type { SqliteSchedules } from '../store/sqlite/schedule-fires'
import type { SqliteStore } from '../store/sqlite/sqlite-store'

export interface SharedSchedulesOptions {
  pg: PgSchedules
  local: SqliteSchedules
  store: SqliteStore
  cache: CacheStore
  online: () => boolean
  /** After the cache changed. */
  publishChanges: () => void
  /** An entry was added to the outbox. */
  outboxChanged: () => void
}

/** What the outbox keeps of a fire made offline. */
export interface FirePayload {
  write: FireWrite
  now: number
}

const isOutage = (error: unknown): boolean => error instanceof JobdeckError && error.code === 'unavailable'

export class SharedSchedules implements ScheduleStore {
  constructor(private readonly opts: SharedSchedulesOptions) {}

  /** Online: the shared database, else (or when it fails as an outage) the local copy. */
  private async read<T>(shared: () => Promise<T>, local: () => Promise<T>): Promise<T> {
    if (!this.opts.online()) return local()
    try {
      return await shared()
    } catch (error) {
      if (isOutage(error)) return local()
      throw error
    }
  }

  async record(writes: readonly FireWrite[], now: number): Promise<Array<{ fire: FireRecord; job: Job | null }>> {
    if (writes.length === 0) return []
    if (this.opts.online()) {
      try {
        const { fires, jobs } = await this.opts.pg.record(writes, now)
        const byId = new Map(jobs.map((row) => [row.id, row]))
        this.opts.store.tx(() => {
          this.opts.cache.applyInTx(jobs, [])
          // The local copy of the fires this instance made, read while offline.
          this.opts.local.recordInTx(fires.map((fire) => ({ fire, job: null })), now)
        })
        if (jobs.length > 0) this.opts.publishChanges()
        return fires.map((fire) => {
          const row = fire.jobId ? byId.get(fire.jobId) : undefined
          return { fire, job: row ? toJob(row) : null }
        })
      } catch (error) {
        if (!isOutage(error)) throw error
      }
    }
    const recorded = this.opts.store.tx(() => {
      const made = this.opts.local.recordInTx(writes, now)
      for (const { fire } of made) {
        const write = writes.find((w) => w.fire.schedule === fire.schedule && w.fire.scheduledFor === fire.scheduledFor)
        const payload: FirePayload = { write: write as FireWrite, now }
        this.opts.cache.addOutbox('fire', payload, now)
      }
      return made
    })
    this.opts.outboxChanged()
    this.opts.publishChanges()
    return recorded
  }

  /**
   * Pushes one fire made offline. Idempotent: pushed again after a crash it finds its key taken.
   * A key another instance took first: this instance's job is dropped from the cache.
   */
  async push(payload: FirePayload): Promise<void> {
    const { fires, jobs } = await this.opts.pg.record([payload.write], payload.now)
    if (fires.length > 0) {
      this.opts.cache.apply(jobs, [])
      return
    }
    const jobId = payload.write.job?.id
    if (jobId === undefined) return
    this.opts.local.withdraw(jobId)
    this.opts.publishChanges()
  }

  async latestFireTimes(names: readonly string[]): Promise<Map<string, number>> {
    const local = await this.opts.local.latestFireTimes(names)
    const shared = await this.read(() => this.opts.pg.latestFireTimes(names), async () => new Map<string, number>())
    for (const [name, at] of shared) local.set(name, Math.max(at, local.get(name) ?? at))
    return local
  }

  lastFires(names: readonly string[]): Promise<Map<string, FireRecord>> {
    return this.read(() => this.opts.pg.lastFires(names), () => this.opts.local.lastFires(names))
  }

  fires(filter: FireFilter): Promise<FireRecord[]> {
    return this.read(() => this.opts.pg.fires(filter), () => this.opts.local.fires(filter))
  }

  async pauses(): Promise<Map<string, SchedulePause>> {
    return this.read(
      async () => {
        const shared = await this.opts.pg.pauses()
        // Kept locally, so a pause made anywhere holds here while the database is unreachable.
        await this.opts.local.replacePauses(shared)
        return shared
      },
      () => this.opts.local.pauses(),
    )
  }

  async setPause(schedule: string, pause: SchedulePause | null): Promise<void> {
    if (!this.opts.online()) {
      throw new JobdeckError('unavailable', `cannot ${pause ? 'pause' : 'resume'} ${schedule}: the shared database is offline, and a pause holds for every instance; try again when it is back`)
    }
    await this.opts.pg.setPause(schedule, pause)
    await this.opts.local.setPause(schedule, pause)
  }

  unfinishedJobs(names: readonly string[]): Promise<Map<string, PreviousJob>> {
    return this.read(() => this.opts.pg.unfinishedJobs(names), () => this.opts.local.unfinishedJobs(names))
  }
}
