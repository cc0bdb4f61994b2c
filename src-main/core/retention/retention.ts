// Retention as the engine runs it: a pass a minute after the runner starts, then every
// `retention.interval`, and at once when a reloaded config changes the policy; one pass at a
// time (a pass asked for while one runs is answered by the next one). Each pass is recorded in
// meta, so `jobdeck retention` in another process says when it last ran and what it deleted.
import type { EventBus } from '../events/event-bus'
import type { RetentionPass, RetentionStatus } from '../../../src-shared/retention'
import type { RetentionConfig } from '../../../src-shared/retention-config'
import type { SqliteDatabase } from '../store/sqlite/open-database'
import { DataSize } from './data-size'
import { policyWords } from './policy-words'
import type { PgRetention } from './pg-retention'
import { noneDeleted, SqliteRetention } from './sqlite-retention'

/** Rows counted per part for "what the policy deletes next". */
const PREVIEW_CAP = 10_000
const FIRST_PASS_MS = 60_000
const PREVIEW_FOR_MS = 60_000

export interface RetentionOptions {
  db: SqliteDatabase
  tx: <T>(fn: () => T) => T
  policy: () => RetentionConfig
  events: EventBus
  /**
   * Shared mode: the shared database's retention (applied by whichever instance holds its lock;
   * this file is then a cache, which follows its deletes through the sync and applies the policy
   * to itself too). Absent: local mode.
   */
  shared?: { pg: PgRetention; online: () => boolean }
  now?: () => number
  log?: (line: string) => void
  /** Tests: the delay of the first automatic pass. */
  firstPassMs?: number
}

export class Retention {
  private readonly sqlite: SqliteRetention
  private readonly size: DataSize
  private readonly now: () => number
  private timer: NodeJS.Timeout | null = null
  private nextAt: number | null = null
  private running: Promise<RetentionPass> | null = null
  /** The preview reads up to PREVIEW_CAP rows per part: answered again for a minute, or until a pass ran. */
  private preview: { at: number; policy: string; next: RetentionStatus['next'] } | null = null
  private appliedPolicy: string
  private readonly unsubscribe: Array<() => void> = []

  constructor(private readonly options: RetentionOptions) {
    this.now = options.now ?? Date.now
    this.sqlite = new SqliteRetention(options.db, options.tx)
    this.size = new DataSize(options.db, this.now)
    this.appliedPolicy = JSON.stringify(options.policy())
  }

  /** Automatic passes in this process (the runner's): the first after a minute. */
  start(): void {
    if (this.unsubscribe.length > 0) return
    this.schedule(this.options.firstPassMs ?? FIRST_PASS_MS)
    this.unsubscribe.push(this.options.events.on('config.changed', ({ ok }) => {
      const policy = JSON.stringify(this.options.policy())
      if (!ok || policy === this.appliedPolicy) return
      this.appliedPolicy = policy
      // A changed policy applies to the rows already there, now, not at the next interval.
      this.schedule(0)
    }))
  }

  async stop(): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off()
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.nextAt = null
    await this.running?.catch(() => undefined)
  }

  /** One pass now (or the one under way); recorded, announced, and answered. */
  run(): Promise<RetentionPass> {
    this.running ??= this.pass().finally(() => {
      this.running = null
    })
    return this.running
  }

  status(): RetentionStatus {
    const policy = this.options.policy()
    return {
      enabled: policy.enabled,
      policy: policyWords(policy),
      size: this.size.current(),
      next: this.previewOf(policy),
      lastPass: this.sqlite.lastPass(),
      nextPassAt: policy.enabled && this.nextAt !== null ? new Date(this.nextAt).toISOString() : null,
    }
  }

  private previewOf(policy: RetentionConfig): RetentionStatus['next'] {
    const key = JSON.stringify(policy)
    const fresh = this.preview && this.preview.policy === key && this.now() - this.preview.at < PREVIEW_FOR_MS
    if (!fresh) this.preview = { at: this.now(), policy: key, next: this.sqlite.preview(policy, this.now(), PREVIEW_CAP) }
    return this.preview!.next
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer)
    this.nextAt = this.now() + delayMs
    this.timer = setTimeout(() => {
      this.timer = null
      const policy = this.options.policy()
      const pass = policy.enabled ? this.run().then(() => undefined) : Promise.resolve()
      void pass
        .catch((error: unknown) => this.options.log?.(`retention: ${(error as Error).message}`))
        .finally(() => {
          if (this.unsubscribe.length > 0) this.schedule(this.options.policy().interval)
        })
    }, delayMs)
    this.timer.unref()
  }

  private async pass(): Promise<RetentionPass> {
    const policy = this.options.policy()
    const startedAt = new Date(this.now()).toISOString()
    const shared = this.options.shared
    let pass: RetentionPass
    try {
      const local = await this.sqlite.apply(policy, this.now())
      // What the shared history lost, when this instance applied it there; else what this file did.
      const applied = shared?.online() ? await shared.pg.apply(policy, this.now()) : null
      const scope = shared ? (applied ? 'shared' : 'cache') : 'local'
      pass = {
        startedAt,
        finishedAt: new Date(this.now()).toISOString(),
        deleted: applied?.deleted ?? local.deleted,
        longestTxMs: Math.max(local.longestTxMs, applied?.longestTxMs ?? 0),
        scope,
        error: null,
      }
    } catch (error) {
      const scope = shared ? 'cache' : 'local'
      pass = { startedAt, finishedAt: new Date(this.now()).toISOString(), deleted: noneDeleted(), longestTxMs: 0, scope, error: (error as Error).message }
    }
    this.sqlite.saveLastPass(pass)
    this.size.invalidate()
    this.preview = null
    this.options.events.emit('retention.ran', { pass })
    return pass
  }
}
