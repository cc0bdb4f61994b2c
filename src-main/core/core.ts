import type { JobdeckApi } from '../../src-shared/api'
import { ConfigManager } from './config/config-manager'
import { createCommandExecutor } from './executors/command'
import { buildCommand } from './config/job-command'
import { ChangeFeed } from './events/change-feed'
import { EventBus } from './events/event-bus'
import { databaseFile } from './paths'
import { Runner, type ExecutorFactory } from './runner/runner'
import { createServices } from './services/services'
import { openDatabase } from './store/sqlite/open-database'
import { SqliteStore } from './store/sqlite/sqlite-store'
import type { Executor } from './executors/types'
import type { JobTypeConfig } from '../../src-shared/config-schema'
import type { HostSample } from '../../src-shared/monitor'
import { HostSampler } from './monitor/host-sampler'
import { Monitor } from './monitor/monitor'
import { ProcessTreeUsage } from './monitor/process-usage'
import { MonitorStore } from './store/sqlite/monitor-store'

export interface CoreOptions {
  dataDir: string
  configPath: string
  synchronous?: 'FULL' | 'NORMAL'
  /** Replaces the default executors (the `command` executor), e.g. for benchmarks. */
  executorFor?: ExecutorFactory
  runner?: { pollMs?: number; heartbeatMs?: number; lockStaleMs?: number }
  /** Replaces the host sampler (tests drive the resource gate with a fake one). */
  hostSampler?: { sample(): Promise<HostSample> }
}

export interface Core {
  readonly dataDir: string
  readonly store: SqliteStore
  readonly events: EventBus
  readonly config: ConfigManager
  readonly api: JobdeckApi
  /** Publishes changes committed by any process since the last call. */
  publishChanges(): void
  /** Takes the runner lock and starts running jobs in this process. */
  startRunner(): Runner
  runner(): Runner | null
  monitor(): Monitor | null
  close(): Promise<void>
}

/**
 * The `command` executor for each job type. The engine's own environment is copied once:
 * reading process.env goes through C++ for every key, on the path of every job start.
 */
export function commandExecutors(baseEnv: Record<string, string | undefined> = { ...process.env }): ExecutorFactory {
  return (_name: string, type: JobTypeConfig): Executor =>
    createCommandExecutor(
      (ctx) =>
        buildCommand(
          type,
          ctx.params,
          {
            JOBDECK_RUN_ID: ctx.runId,
            JOBDECK_JOB_ID: ctx.jobId,
            JOBDECK_JOB_TYPE: ctx.type,
            JOBDECK_ATTEMPT: String(ctx.attempt),
          },
          baseEnv,
        ),
      { timeoutMs: type.timeout ?? null, killGraceMs: type.killGrace },
    )
}

/** Everything the engine is, without any transport: the CLI, the server and the app all wrap this. */
export function createCore(options: CoreOptions): Core {
  const events = new EventBus()
  const config = ConfigManager.open(options.configPath, events)
  const db = openDatabase(databaseFile(options.dataDir), { synchronous: options.synchronous ?? 'FULL' })
  const store = new SqliteStore(db)
  const monitorStore = new MonitorStore(db, store)
  const feed = new ChangeFeed(store, events)
  let runner: Runner | null = null
  let monitor: Monitor | null = null
  const publishChanges = (): void => feed.publish()
  const api = createServices({ store, monitorStore, config, runner: () => runner, monitor: () => monitor, publishChanges })

  /** The data dir and every job type's working dir: the filesystems whose space matters. */
  const watchedPaths = (): string[] => [
    options.dataDir,
    ...[...config.current.types.values()].map((t) => t.cwd).filter((cwd): cwd is string => typeof cwd === 'string' && !cwd.includes('{')),
  ]

  return {
    dataDir: options.dataDir,
    store,
    events,
    config,
    api,
    publishChanges,
    runner: () => runner,
    monitor: () => monitor,
    startRunner() {
      if (runner) return runner
      const candidate = new Runner({
        store,
        events,
        config: () => config.current,
        executorFor: options.executorFor ?? commandExecutors(),
        publishChanges,
        gate: (name, type) => monitor?.gate(name, type) ?? null,
        usageOf: (runId, type) => monitor?.finishRun(runId, type) ?? { peakRssBytes: null, cpuSeconds: null },
        ...options.runner,
      })
      candidate.start()
      runner = candidate
      monitor = new Monitor({
        store: monitorStore,
        events,
        config: () => config.current,
        hostSampler: options.hostSampler ?? new HostSampler({ paths: watchedPaths }),
        treeUsage: (pid) => new ProcessTreeUsage(pid),
        activeRuns: () => candidate.activeRuns(),
        onGateChange: () => candidate.tick(),
      })
      monitor.start()
      return runner
    },
    async close() {
      await runner?.stop()
      monitor?.stop()
      runner = null
      monitor = null
      store.close()
      db.close()
    },
  }
}
