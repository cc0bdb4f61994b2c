// Every configured source of this process (SourcesPort): a SourceLoop each, over pools of their
// own (small, `jobdeck-source`, UTC, a statement timeout). A long-lived process (the runner, serve,
// the app's engine) polls continuously; a short CLI command only answers from the cache, or pulls
// once when asked (`jobdeck sources sync`). A config reload re-plans: a source whose spec changed
// starts again (a new mapping mirrors it from scratch), a removed one stops.
import type { ConnectionConfig, PostgresConfig } from '../../../src-shared/config-schema'
import { JobdeckError } from '../../../src-shared/errors'
import type { SourceInfo, SourceQueue, SourceTestResult } from '../../../src-shared/sources'
import type { LoadedConfig } from '../config/load-config'
import type { EventBus } from '../events/event-bus'
import { describeUrl, SqlConnections } from '../executors/sql-connections'
import type { SecretStore } from '../secrets/secret-store'
import type { SqliteDatabase } from '../store/sqlite/open-database'
import type { SqliteStore } from '../store/sqlite/sqlite-store'
import { SourceLoop, type SourceLoopDeps } from './source-loop'
import type { MarkFailedResult, SourcesPort } from './sources-port'
import type { SourceSpec } from './source-spec'
import { SourceWriter } from './source-writer'
import type { CacheStore } from '../store/sqlite/cache-store'

export interface SourceMirrorsOptions {
  config: () => LoadedConfig
  db: SqliteDatabase
  store: SqliteStore
  /** The file's bulk-load path (a first backfill of a large table uses it). */
  cache: CacheStore
  events: EventBus
  publishChanges: () => void
  /** The shared `postgres:` database (with its URL), for sources without `connection:`. */
  postgres: PostgresConfig | null
  secrets: SecretStore
  log: (line: string) => void
  /** Poll continuously (long-lived processes); else only on `sync`. */
  continuous: boolean
  /** Tests: offline backoff and poll limits. */
  tuning?: Pick<SourceLoopDeps, 'backoff' | 'limits' | 'now'>
}

const STATEMENT_TIMEOUT_MS = 30_000

export class SourceMirrors implements SourcesPort {
  private readonly writer: SourceWriter
  private readonly loops = new Map<string, SourceLoop>()
  private pools: SqlConnections
  private poolsKey: string
  private unsubscribe: (() => void) | null = null
  private closed = false

  constructor(private readonly options: SourceMirrorsOptions) {
    this.writer = new SourceWriter(options.db, options.store, options.cache)
    this.poolsKey = this.connectionsKey()
    this.pools = this.newPools()
    for (const spec of this.specs().values()) this.loops.set(spec.name, this.newLoop(spec))
  }

  /** Starts polling (continuous mode) and follows config reloads. */
  start(): void {
    if (!this.options.continuous) return
    for (const loop of this.loops.values()) loop.start()
    this.unsubscribe = this.options.events.on('config.changed', ({ ok }) => {
      if (ok) void this.replan()
    })
  }

  list(): SourceInfo[] {
    return [...this.loops.values()].map((loop) => loop.info())
  }

  async sync(name?: string): Promise<SourceInfo[]> {
    const loops = name === undefined ? [...this.loops.values()] : [this.loop(name)]
    await Promise.all(loops.map((loop) => loop.sync()))
    return loops.map((loop) => loop.info())
  }

  async test(name: string): Promise<SourceTestResult> {
    return this.loop(name).test()
  }

  async markFailed(id: string): Promise<MarkFailedResult> {
    const jobId = id.endsWith('/run') ? id.slice(0, -'/run'.length) : id
    const row = this.writer.sourceOf(jobId)
    if (row === null) throw new JobdeckError('not_found', `${id} is not a row mirrored from a source (markFailed acts on a source's rows only)`)
    const loop = this.loop(row.source)
    const spec = loop.spec
    if (spec.markFailedRefused !== null) {
      throw new JobdeckError('conflict', `markFailed is not offered for source ${spec.name} (${spec.preset} preset): ${spec.markFailedRefused}`)
    }
    if (!spec.markFailed?.enabled) {
      throw new JobdeckError('conflict', `markFailed is disabled for source ${spec.name}; enable it with \`actions: { markFailed: true }\` under sources.${spec.name} (${spec.at})`)
    }
    const job = this.options.store.getJob(jobId)
    if (job.status !== 'running') {
      throw new JobdeckError('conflict', `${spec.tableText} row ${row.sourceId} is ${job.status}, not running; markFailed only marks a running row failed`)
    }
    let rowCount: number
    try {
      rowCount = await loop.markFailed(row.sourceId)
    } catch (error) {
      if (error instanceof JobdeckError) throw error
      throw new JobdeckError('unavailable', `${spec.tableText} row ${row.sourceId} was not marked failed: ${error instanceof Error ? error.message : String(error)}`)
    }
    return { source: spec.name, table: spec.tableText, sourceId: row.sourceId, rowCount }
  }

  async close(): Promise<void> {
    this.closed = true
    this.unsubscribe?.()
    await Promise.all([...this.loops.values()].map((loop) => loop.stop()))
    await this.pools.close()
  }

  /** After a config reload: new, changed and removed sources, and new pools when connections changed. */
  private async replan(): Promise<void> {
    if (this.closed) return
    const specs = this.specs()
    const key = this.connectionsKey()
    const repool = key !== this.poolsKey
    const stale = [...this.loops.values()].filter((loop) => repool || JSON.stringify(specs.get(loop.spec.name)) !== JSON.stringify(loop.spec))
    for (const loop of stale) this.loops.delete(loop.spec.name)
    await Promise.all(stale.map((loop) => loop.stop()))
    if (repool) {
      const old = this.pools
      this.poolsKey = key
      this.pools = this.newPools()
      await old.close()
    }
    for (const spec of specs.values()) {
      if (this.loops.has(spec.name) || this.closed) continue
      const loop = this.newLoop(spec)
      this.loops.set(spec.name, loop)
      loop.start()
    }
  }

  private loop(name: string): SourceLoop {
    const loop = this.loops.get(name)
    if (!loop) {
      const known = [...this.loops.keys()]
      throw new JobdeckError('not_found', `no source named ${JSON.stringify(name)}; the config declares: ${known.length ? known.join(', ') : 'none'}`)
    }
    return loop
  }

  private specs(): Map<string, SourceSpec> {
    return this.options.config().sources
  }

  private connectionsKey(): string {
    return JSON.stringify([this.options.config().raw.connections, this.options.postgres?.url ?? null])
  }

  private newPools(): SqlConnections {
    const connections: Record<string, ConnectionConfig> = this.options.config().raw.connections
    return new SqlConnections({
      connections,
      ...(this.options.postgres ? { postgres: this.options.postgres } : {}),
      secrets: this.options.secrets,
      session: { what: 'source', applicationName: 'jobdeck-source', poolSize: 3, statementTimeoutMs: STATEMENT_TIMEOUT_MS },
      onPoolError: (target, error) => this.options.log(`source connection ${target}: ${error.message}`),
    })
  }

  private newLoop(spec: SourceSpec): SourceLoop {
    const connection = spec.connection
    const url = connection === null ? (this.options.postgres?.url ?? null) : (this.options.config().raw.connections[connection]?.url ?? null)
    return new SourceLoop({
      spec,
      pool: () => this.pools.pool(connection ?? undefined),
      url: url === null ? null : describeUrl(url),
      writer: this.writer,
      counts: (source): SourceQueue['counts'] => this.options.store.sourceQueue(source, 0).counts,
      events: this.options.events,
      publishChanges: this.options.publishChanges,
      log: this.options.log,
      ...this.options.tuning,
    })
  }
}
