import type { JobdeckApi } from '../../src-shared/api'
import { ConfigManager } from './config/config-manager'
import { createExecutors } from './executors/executor-factory'
import { MemorySecretStore, NoSecretStore, pgSecretKey, type SecretStore } from './secrets/secret-store'
import { configuredPgCredentials } from './secrets/pg-credentials'
import { ParamSecrets } from './secrets/param-secrets'
import type { LoadedConfig } from './config/load-config'
import { JobdeckError } from '../../src-shared/errors'
import { secretParamNames } from '../../src-shared/secret-params'
import { ChangeFeed } from './events/change-feed'
import { EventBus } from './events/event-bus'
import { databaseFile } from './paths'
import { prepareDataDir, securePrivateDataDir } from './data-dir'
import { Runner, type ExecutorFactory } from './runner/runner'
import { AdaptiveConcurrency } from './runner/adaptive-concurrency'
import { createServices } from './services/services'
import { openDatabase } from './store/sqlite/open-database'
import { SqliteStore } from './store/sqlite/sqlite-store'
import type { JobTypeConfig } from '../../src-shared/config-schema'
import type { HostSample } from '../../src-shared/monitor'
import type { GateBlock } from '../../src-shared/wait-reason'
import { HostSampler } from './monitor/host-sampler'
import { Monitor } from './monitor/monitor'
import { ProcessTreeUsage } from './monitor/process-usage'
import { MonitorStore } from './store/sqlite/monitor-store'
import { LOCAL_DATABASE, type DatabaseState } from '../../src-shared/connection'
import { choosePostgres } from './config/postgres-settings'
import type { QueueRunner } from './runner/queue-runner'
import { SqliteEngine } from './engines/sqlite-engine'
import type { QueueEngine } from './engines/queue-engine'
import { PgEngine } from './engines/pg-engine'
import { localWriter } from './services/queue-writer'
import { CacheStore } from './store/sqlite/cache-store'
import { SharedLink } from './sync/shared-link'
import { SqliteSchedules } from './store/sqlite/schedule-fires'
import type { ScheduleStore } from './store/schedule-store'
import { Scheduler } from './runner/scheduler'
import { SourceMirrors, type SourceMirrorsOptions } from './sources/source-mirrors'
import { AlertWatch } from './alerts/alert-watch'
import { Alerts } from './alerts/alerts'
import { Retention } from './retention/retention'
import { PgRetention } from './retention/pg-retention'
import { AuditLog } from './access/audit-log'
import { AuditStore } from './store/sqlite/audit-store'
import { PgAudit } from './store/postgres/pg-audit'
import type { TokenVerifier } from './access/token-verifier'
import { ApiTokens } from './access/api-tokens'
import { SqliteTokens } from './store/sqlite/token-store'
import { PgTokens, TOKENS_CHANGED } from './store/postgres/pg-tokens'

export interface CoreOptions {
  dataDir: string
  configPath: string
  synchronous?: 'FULL' | 'NORMAL'
  /** Replaces the default executors (the `command` executor), e.g. for benchmarks. */
  executorFor?: ExecutorFactory
  /** The local runner's timings; `now`: its clock (tests). */
  runner?: { pollMs?: number; heartbeatMs?: number; lockStaleMs?: number; now?: () => number }
  /** Replaces the host sampler (tests drive the resource gate with a fake one). */
  hostSampler?: { sample(): Promise<HostSample> }
  /** Shared mode from `--pg` or JOBDECK_PG_URL; else the config file's `postgres.url`, else local mode. */
  postgres?: { url: string; source: 'flag' | 'env' }
  /** The PostgreSQL password from a secret store; else the driver reads PGPASSWORD / ~/.pgpass. */
  pgPassword?: string
  /** Shared mode tuning (tests): reconnect backoff and the fallback poll. */
  shared?: { backoff?: { baseMs: number; maxMs: number }; pollMs?: number; leaseMs?: number }
  /** Where `sql` jobs find stored passwords; none headless. Also connection.save/test's store when `keychain` is not given. */
  secrets?: SecretStore
  /**
   * The desktop keychain, reached from the engine process through its parent (engine/secret-port.ts):
   * where connection.save keeps a password and connection.test finds one. `sql` jobs keep using the
   * password the engine was handed at start.
   */
  keychain?: SecretStore
  /** Read the local SQLite (in shared mode: the cache) and never connect. */
  offline?: boolean
  /** Engine log lines (shared-mode rescues, outbox refusals). */
  log?: (line: string) => void
  /** The key of `secret: true` params from the desktop app's keychain (base64); local mode only. */
  keychainParamKey?: string
  /** Reload the config whenever its file changes (long-lived processes; a CLI command does not). */
  watchConfig?: boolean
  /**
   * Poll the configured sources (other systems' job tables) continuously: the runner process,
   * `serve` and the app's engine. A short CLI command answers from the cache (and pulls only on
   * `sources sync`).
   */
  sources?: boolean
  /** Tests: when the runner's first automatic retention pass runs (a minute after it starts). */
  retentionFirstPassMs?: number
  /** Tests: the sources' offline backoff and poll limits. */
  sourceTuning?: SourceMirrorsOptions['tuning']
  /** Tests: when a failing alert delivery is given up (default 24 h). */
  alertGiveUpAfterMs?: number
}


export interface Core {
  readonly dataDir: string
  readonly store: SqliteStore
  readonly events: EventBus
  readonly config: ConfigManager
  readonly api: JobdeckApi
  /** Publishes changes committed by any process since the last call. */
  publishChanges(): void
  /** Takes the runner lock and starts running jobs (and firing schedules) in this process. */
  startRunner(): QueueRunner
  runner(): QueueRunner | null
  /** The scheduler of this process, while it runs the runner. */
  scheduler(): Scheduler | null
  monitor(): Monitor | null
  /** Shared mode: the link to the shared database; null in local mode. */
  readonly link: SharedLink | null
  /** The configured sources (other systems' job tables) mirrored into this data dir. */
  readonly sources: SourceMirrors
  /** Alert channels and the outbox's deliveries; delivering while this process runs the runner. */
  readonly alerts: Alerts
  /** Where dispatch records every call that changes something, and schedules their fires (issue 17). */
  readonly audit: AuditLog
  /** Who an API token belongs to (the HTTP API and serve's login). */
  readonly tokens: TokenVerifier
  connection(): DatabaseState
  /** Resolves after the first attempt to reach the shared database (at once in local mode). */
  ready(): Promise<void>
  close(): Promise<void>
}

export { commandExecutors } from './executors/executor-factory'

/** `sql` jobs on the shared database use the password the engine was handed, from memory. */
function passwordStore(url: string | undefined, password: string | undefined): SecretStore {
  if (url === undefined || password === undefined) return new NoSecretStore()
  const store = new MemorySecretStore()
  void store.set(pgSecretKey(url), password)
  return store
}

/** Shared mode without JOBDECK_SECRET_KEY cannot seal or open secret params: said at start, not at the first job. */
function refuseSecretsWithoutKey(config: LoadedConfig, secrets: ParamSecrets): void {
  const missing = secrets.missingKey()
  if (missing === null) return
  const declared = [...config.types].flatMap(([name, type]) => secretParamNames(type.params).map((param) => `jobs.${name}.params.${param}`))
  if (declared.length === 0) return
  throw new JobdeckError('config_invalid', `the config declares secret params (${declared.join(', ')}), but ${missing}; set it and start again`)
}

/** Everything the engine is, without any transport: the CLI, the server and the app all wrap this. */
export function createCore(options: CoreOptions): Core {
  const events = new EventBus()
  const config = ConfigManager.open(options.configPath, events)
  if (options.watchConfig) config.watch()
  // Offline: the cache only, without touching the shared database (`jobdeck history --offline`).
  const shared = options.offline ? null : choosePostgres(config.current, options.postgres)
  if (shared) config.requireZones()
  prepareDataDir(options.dataDir)
  const paramSecrets = new ParamSecrets({
    dataDir: options.dataDir,
    shared: shared !== null,
    ...(options.keychainParamKey !== undefined ? { appKey: options.keychainParamKey } : {}),
  })
  refuseSecretsWithoutKey(config.current, paramSecrets)
  const log = options.log ?? ((line: string) => process.stderr.write(`jobdeck: ${line}\n`))
  securePrivateDataDir(options.dataDir, log)
  const db = openDatabase(databaseFile(options.dataDir), { synchronous: options.synchronous ?? 'FULL' })
  const store = new SqliteStore(db)
  const monitorStore = new MonitorStore(db, store)
  const feed = new ChangeFeed(store, events)
  let runner: QueueRunner | null = null
  let monitor: Monitor | null = null
  let scheduler: Scheduler | null = null
  let schedulerStarted: Promise<void> = Promise.resolve()
  const publishChanges = (): void => feed.publish()

  // One for the file: shared mode's cache writes and the sources' backfills. Made at open, it also
  // finishes a bulk load a crash interrupted before anything reads.
  const cache = new CacheStore(db, store)
  let sharedEngine: PgEngine | null = null
  let lastStatus: DatabaseState['status'] = 'connecting'
  const link = shared
    ? new SharedLink({
        config: shared.config,
        source: shared.source,
        ...(options.pgPassword !== undefined ? { password: options.pgPassword } : {}),
        store,
        cache,
        publishChanges,
        onConnection: (connection) => {
          // Back after an outage: a revocation's NOTIFY may have been lost meanwhile.
          if (connection.status === 'online' && lastStatus === 'offline') apiTokens.changed()
          lastStatus = connection.status
          events.emit('connection.changed', { connection })
        },
        onWake: (reason) => (reason === TOKENS_CHANGED ? apiTokens.changed() : sharedEngine?.wake(reason)),
        beforeSync: async () => sharedEngine?.onReconnect(),
        ...(options.shared?.backoff ? { backoff: options.shared.backoff } : {}),
        ...(options.shared?.pollMs ? { pollMs: options.shared.pollMs } : {}),
      })
    : null
  // API tokens live where the queue does: this file, or the shared database (every instance accepts them).
  const apiTokens = new ApiTokens({
    records: link ? new PgTokens(link.connection) : new SqliteTokens(store),
    ...(link ? { shared: { reachable: () => link.state.status !== 'offline' } } : {}),
    log,
  })
  const executors = createExecutors({
    config: () => config.current,
    postgres: shared?.config ?? null,
    secrets: options.secrets ?? passwordStore(shared?.config.url, options.pgPassword),
    log,
  })
  // Fires and pauses where the queue lives: this file, or the shared database (its migration 8).
  const schedules: ScheduleStore = link?.schedules ?? new SqliteSchedules(store)
  const started = link ? link.start().then(() => undefined, (error: unknown) => log(`shared database: ${(error as Error).message}`)) : Promise.resolve()

  const connectionSecrets = options.keychain ?? options.secrets
  const sources = new SourceMirrors({
    config: () => config.current,
    db,
    store,
    cache,
    events,
    publishChanges,
    postgres: shared?.config ?? null,
    // As `sql` jobs find their passwords.
    secrets: options.secrets ?? passwordStore(shared?.config.url, options.pgPassword),
    log,
    continuous: options.sources === true && !options.offline,
    ...(options.sourceTuning ? { tuning: options.sourceTuning } : {}),
  })
  sources.start()
  // Delivers only while this process holds the runner lock (startRunner .. close).
  // The rules decide alerts from committed history into the outbox; the deliverer sends them.
  const alertWatch = new AlertWatch({
    store,
    config: () => config.current,
    events,
    schedules,
    shared: link?.alerts ?? null,
    onAlerts: () => alerts.wake(),
    log,
  })
  const alerts: Alerts = new Alerts({
    watch: alertWatch,
    db,
    store,
    config: () => config.current.raw.alerts,
    emit: (name, payload) => events.emit(name, payload),
    secrets: connectionSecrets ?? new NoSecretStore(),
    log,
    snoozes: () => alertWatch.snoozes(),
    ...(options.alertGiveUpAfterMs !== undefined ? { giveUpAfterMs: options.alertGiveUpAfterMs } : {}),
  })
  // Every process can say what retention would do and run a pass; only the runner's runs them by itself.
  const retention = new Retention({
    db,
    tx: (fn) => store.relaxedTx(fn),
    policy: () => config.current.raw.retention,
    events,
    ...(link ? { shared: { pg: new PgRetention(link.connection), online: () => link.state.status === 'online' } } : {}),
    log,
    ...(options.retentionFirstPassMs !== undefined ? { firstPassMs: options.retentionFirstPassMs } : {}),
  })
  // Every change made through dispatch, and every schedule's fire; in shared mode pushed to PostgreSQL.
  const audit = new AuditLog({
    store: new AuditStore(db),
    relaxedTx: (fn) => store.relaxedTx(fn),
    durable: () => cache.durable(),
    shared: link ? { pg: new PgAudit(link.connection), online: () => link.online } : null,
    context: { secretParams: (type) => { const def = config.current.types.get(type); return def ? secretParamNames(def.params) : null } },
    log,
  })
  // Records owed to the shared database (written offline, here or by an earlier process) go when it is reachable.
  if (link) events.on('connection.changed', ({ connection }) => void (connection.status === 'online' ? audit.push() : undefined))
  // Local mode: a change's record joins the change's own FULL commit (no fsync of its own).
  if (!link) store.setCommitAppender(audit.appender)
  const api = audit.wrap(createServices({
    audit,
    alerts,
    retention,
    sources: () => sources,
    store,
    monitorStore,
    config,
    runner: () => runner,
    monitor: () => monitor,
    publishChanges,
    writer: link ?? localWriter(store),
    schedules,
    link,
    breakers: () => executors.breakers(),
    ...(connectionSecrets ? { secrets: connectionSecrets } : {}),
    paramSecrets,
    tokens: apiTokens,
    credentials: configuredPgCredentials({
      url: shared?.config.url ?? null,
      ...(options.pgPassword !== undefined ? { password: options.pgPassword } : {}),
    }),
  }))

  /** The data dir and every job type's working dir: the filesystems whose space matters. */
  const watchedPaths = (): string[] => [
    options.dataDir,
    ...[...config.current.types.values()].map((t) => t.cwd).filter((cwd): cwd is string => typeof cwd === 'string' && !cwd.includes('{')),
  ]

  function newRunner(concurrency: AdaptiveConcurrency): { runner: QueueRunner; engine: QueueEngine } {
    const now = options.runner?.now ?? Date.now
    const common = {
      events,
      config: () => config.current,
      concurrency: () => concurrency.limit(),
      executorFor: options.executorFor ?? executors.executorFor,
      // The runner's first claim comes before its monitor exists: a type with needs waits for the
      // first sample then too, as it does once the monitor runs (it let a gated job start).
      gate: (name: string, type: JobTypeConfig): GateBlock | null => (monitor ? monitor.gate(name, type) : type.needs ? { kind: 'first-sample' } : null),
      usageOf: (runId: string, type: string) => monitor?.finishRun(runId, type) ?? { peakRssBytes: null, cpuSeconds: null },
      paramSecrets,
      log,
    }
    if (link && shared) {
      const engine = new PgEngine({
        link,
        queue: link.queueForEngine(),
        store,
        schedules,
        config: () => config.current,
        publishChanges,
        leaseMs: options.shared?.leaseMs ?? shared.config.lease,
        now: Date.now,
        log,
        ...(options.runner?.pollMs ? { pollMs: Math.max(options.runner.pollMs, 200) } : {}),
      })
      const candidate = new Runner({ ...common, engine, ...(options.runner?.lockStaleMs ? { lockStaleMs: options.runner.lockStaleMs } : {}) })
      candidate.start()
      sharedEngine = engine
      return { runner: candidate, engine }
    }
    const engine = new SqliteEngine({
      store,
      schedules,
      config: () => config.current,
      publishChanges,
      now,
      ...(options.runner?.pollMs ? { pollMs: options.runner.pollMs } : {}),
    })
    const { pollMs: _pollMs, ...timings } = options.runner ?? {}
    const candidate = new Runner({ ...common, engine, ...timings })
    candidate.start()
    return { runner: candidate, engine }
  }

  return {
    dataDir: options.dataDir,
    store,
    events,
    config,
    api,
    link,
    sources,
    alerts,
    audit,
    tokens: apiTokens,
    publishChanges,
    runner: () => runner,
    monitor: () => monitor,
    scheduler: () => scheduler,
    connection: () => link?.state ?? LOCAL_DATABASE,
    ready: () => started,
    startRunner() {
      if (runner) return runner
      const concurrency = new AdaptiveConcurrency(() => ({ concurrency: config.current.raw.runner.concurrency, samples: config.current.raw.monitor.hysteresis.samples }))
      const { runner: candidate, engine } = newRunner(concurrency)
      runner = candidate
      scheduler = new Scheduler({
        schedules: engine.schedules,
        config: () => config.current,
        events,
        afterEnqueue: () => {
          publishChanges()
          void candidate.refresh()
        },
        onFired: (fires) => audit.recordFires(fires).catch((error: unknown) => log(`audit log: could not record ${fires.length} schedule fire(s): ${(error as Error).message}`)),
        ...(options.runner?.now ? { now: options.runner.now } : {}),
        log,
      })
      schedulerStarted = scheduler.start()
      monitor = new Monitor({
        store: monitorStore,
        events,
        config: () => config.current,
        hostSampler: options.hostSampler ?? new HostSampler({ paths: watchedPaths }),
        treeUsage: (pid) => new ProcessTreeUsage(pid),
        activeRuns: () => candidate.activeRuns(),
        onGateChange: () => candidate.tick(),
        concurrency: {
          observe: (sample) => concurrency.observe(sample, candidate.runningCount),
          limit: () => concurrency.limit(),
          reason: () => concurrency.reason(),
        },
      })
      monitor.start()
      alerts.start()
      retention.start()
      return runner
    },
    async close() {
      config.unwatch()
      await schedulerStarted
      await scheduler?.stop()
      scheduler = null
      await retention.stop()
      await runner?.stop()
      await alerts.stop()
      monitor?.stop()
      runner = null
      sharedEngine = null
      monitor = null
      await executors.close()
      await apiTokens.close()
      await sources.close()
      await link?.close()
      cache.close()
      store.close()
      db.close()
    },
  }
}
