// Which executor runs a job type: `command`, `sql` or `http`, as its config says. One set of
// circuit breakers per engine (they are per host, across job types) and one set of SQL pools,
// rebuilt when a config reload changes the connections.
import type { JobTypeConfig, PostgresConfig } from '../../../src-shared/config-schema'
import type { BreakerState } from '../../../src-shared/connection'
import { buildCommand } from '../config/job-command'
import type { LoadedConfig } from '../config/load-config'
import type { ExecutorFactory } from '../runner/runner'
import type { SecretStore } from '../secrets/secret-store'
import { CircuitBreakers } from './circuit-breaker'
import { createCommandExecutor } from './command'
import { createHttpExecutor } from './http'
import { createSqlExecutor } from './sql'
import { SqlConnections } from './sql-connections'
import type { Executor } from './types'

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

export interface Executors {
  executorFor: ExecutorFactory
  breakers(): BreakerState[]
  close(): Promise<void>
}

export function createExecutors(deps: {
  config: () => LoadedConfig
  /** The shared-mode database, the default connection of `sql` jobs. */
  postgres: PostgresConfig | null
  secrets: SecretStore
  log?: (line: string) => void
}): Executors {
  const command = commandExecutors()
  const breakers = new CircuitBreakers()
  let connections: { key: string; pools: SqlConnections } | null = null
  const retired: SqlConnections[] = []

  function pools(): SqlConnections {
    const current = deps.config().raw.connections
    const key = JSON.stringify(current)
    if (connections?.key === key) return connections.pools
    if (connections) retired.push(connections.pools)
    const made = new SqlConnections({
      connections: current,
      ...(deps.postgres ? { postgres: deps.postgres } : {}),
      secrets: deps.secrets,
      onPoolError: (target, error) => deps.log?.(`sql connection ${target}: ${error.message}`),
    })
    connections = { key, pools: made }
    return made
  }

  return {
    executorFor(name, type) {
      if (type.sql) return createSqlExecutor(type.sql, { connections: pools() })
      if (type.http) return createHttpExecutor(type.http, { breakers })
      return command(name, type)
    },
    breakers: () => breakers.states(),
    async close() {
      await Promise.all([...retired, ...(connections ? [connections.pools] : [])].map((p) => p.close().catch(() => undefined)))
    },
  }
}
