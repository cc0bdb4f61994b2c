// What every area of the services (jobs, runs, runner, monitor, config, connection) is built
// from: the stores, the config, this process's runner and monitor when it runs them, where writes
// go, and the ports to the outside (the secret store, the configured PostgreSQL passwords).
import type { ConfigManager } from '../config/config-manager'
import type { Monitor } from '../monitor/monitor'
import type { QueueRunner } from '../runner/queue-runner'
import type { ParamSecrets } from '../secrets/param-secrets'
import type { PgCredentials } from '../secrets/pg-credentials'
import type { SecretStore } from '../secrets/secret-store'
import type { MonitorStore } from '../store/sqlite/monitor-store'
import type { SqliteStore } from '../store/sqlite/sqlite-store'
import type { ScheduleStore } from '../store/schedule-store'
import type { SharedLink } from '../sync/shared-link'
import type { BreakerState } from '../../../src-shared/connection'
import { JobdeckError } from '../../../src-shared/errors'
import { echo } from '../../../src-shared/redact'
import type { QueueWriter } from './queue-writer'
import type { SourcesPort } from '../sources/sources-port'
import type { Alerts } from '../alerts/alerts'
import type { Retention } from '../retention/retention'
import type { ApiTokens } from '../access/api-tokens'
import type { AuditLog } from '../access/audit-log'

export interface ServiceDeps {
  store: SqliteStore
  monitorStore: MonitorStore
  config: ConfigManager
  /** The monitor of this process, when it runs the runner. */
  monitor: () => Monitor | null
  /** The runner of this process, when it runs one. */
  runner: () => QueueRunner | null
  /** Where writes go: the local queue, or the shared one. */
  writer: QueueWriter
  /** Schedules' fires and pauses, where the queue lives. */
  schedules: ScheduleStore
  /** Shared mode: the link to the shared database. */
  link: SharedLink | null
  /** Other systems' job tables mirrored by this process; null or absent when it mirrors none. */
  sources?: () => SourcesPort | null
  /** Circuit breakers of `http` jobs, for status. */
  breakers?: () => BreakerState[]
  /**
   * Where connection.save keeps a password and connection.test finds one (the desktop keychain,
   * reached from the engine process through its parent); none headless.
   */
  secrets?: SecretStore
  /** The configured PostgreSQL passwords, each bound to its server (connection.test). */
  credentials?: PgCredentials
  /** Seals `secret: true` params at enqueue; without it, such a job is refused. */
  paramSecrets?: Pick<ParamSecrets, 'seal' | 'missingKey'>
  /** Alert channels, deliveries and test messages (alerts.list, alerts.test). */
  alerts: Alerts
  /** The retention of this data dir (its automatic passes run in the runner's process). */
  retention?: Pick<Retention, 'status' | 'run'>
  /** API tokens (tokens.*): in the SQLite file, or the shared database in shared mode. */
  tokens: ApiTokens
  /** The audit log (audit.list); absent in a core made without one. */
  audit?: Pick<AuditLog, 'list'>
  /** Publishes committed changes as events. */
  publishChanges: () => void
  now?: () => number
  lockStaleMs?: number
}

/** An API instant (ISO-8601 text or epoch milliseconds) as epoch milliseconds; the error names the field. */
export function toEpoch(value: string | number, field: string): number {
  const ms = typeof value === 'number' ? value : Date.parse(value)
  if (!Number.isFinite(ms)) {
    throw new JobdeckError('invalid_input', `${field}: expected an ISO-8601 date/time or epoch milliseconds, got ${echo(value)}`)
  }
  return ms
}

/** After a write: tell the views, and let a local runner look at the queue again. */
export function afterWrite(deps: Pick<ServiceDeps, 'publishChanges' | 'runner'>): void {
  deps.publishChanges()
  deps.runner()?.refresh()
}
