// `GET /healthz`: whether this instance is up, for load balancers and monitors, without a token,
// so it says states only (no URL, error text, host names or reasons).
// - down (503): the shared database is offline (or refuses this build), or the server is stopping;
// - degraded (200): still connecting, the host's health is critical (the gate holds jobs), or this
//   instance serves without running jobs (another runner holds its data dir: standby);
// - ok (200): otherwise. A paused or draining runner is the operator's choice: ok, and said.
import type { JobdeckApi } from '../../src-shared/api'
import type { DatabaseState } from '../../src-shared/connection'
import type { HealthLevel } from '../../src-shared/monitor'
import type { QueueRunner } from '../core/runner/queue-runner'

export interface HealthSource {
  api: Pick<JobdeckApi, 'monitor.latest'>
  connection(): DatabaseState
  runner(): Pick<QueueRunner, 'state' | 'draining'> | null
}

export type RunnerHealth = ReturnType<QueueRunner['state']> | 'draining' | 'standby'

export interface Healthz {
  status: 'ok' | 'degraded' | 'down'
  runner: RunnerHealth
  database: DatabaseState['status'] | 'refused'
  health: HealthLevel | 'unknown'
}

export async function healthz(core: HealthSource, stopping: boolean): Promise<Healthz> {
  const connection = core.connection()
  const database: Healthz['database'] = connection.refused ? 'refused' : connection.status
  const runner = core.runner()
  const runnerHealth: RunnerHealth = runner === null ? 'standby' : runner.draining ? 'draining' : runner.state()
  let health: Healthz['health'] = 'unknown'
  try {
    health = (await core.api['monitor.latest']({})).health.level
  } catch {
    // Unknown is said as such; the other parts still answer.
  }
  const down = stopping || database === 'offline' || database === 'refused'
  const degraded = database === 'connecting' || health === 'critical' || health === 'unknown' || runnerHealth === 'standby' || runnerHealth === 'stopped'
  return { status: down ? 'down' : degraded ? 'degraded' : 'ok', runner: runnerHealth, database, health }
}
