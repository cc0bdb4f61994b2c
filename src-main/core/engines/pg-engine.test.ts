// The shared engine's lease bookkeeping, with the link and the queue stood in for: what it asks
// of the database when the connection comes back, before the link announces it online.
import { afterEach, describe, expect, it } from 'vitest'
import { parseConfigText } from '../config/load-config'
import type { PgQueue } from '../store/postgres/pg-queue'
import type { ScheduleStore } from '../store/schedule-store'
import type { SqliteStore } from '../store/sqlite/sqlite-store'
import type { SharedLink } from '../sync/shared-link'
import { PgEngine } from './pg-engine'
import type { RunnerHooks } from './queue-engine'

const loaded = parseConfigText('jobs:\n  nap:\n    command: [node, -e, "0"]\n', 'test.yaml')
if (!loaded.ok) throw new Error('test config')
const config = loaded.config

let engine: PgEngine | null = null
afterEach(() => engine?.halt())

function engineWith(renewed: string[][], owned: (ids: readonly string[]) => string[], lost: string[]): { engine: PgEngine; hooks: RunnerHooks } {
  // Offline as the link reports it while the connection's onOnline (and so onReconnect) runs.
  const link = { online: false } as unknown as SharedLink
  const queue = {
    renewLeases: async (_runner: string, ids: readonly string[]) => {
      renewed.push([...ids])
      return owned(ids)
    },
    runsOfHost: async () => [],
  } as unknown as PgQueue
  const store = { isPaused: () => false } as unknown as SqliteStore
  const created = new PgEngine({ link, queue, store, schedules: {} as ScheduleStore, config: () => config, publishChanges: () => undefined, leaseMs: 60_000, now: Date.now })
  const hooks: RunnerHooks = { activeRunIds: () => ['r1', 'r2'], lose: (runId) => lost.push(runId), refresh: () => undefined, tick: () => undefined }
  return { engine: created, hooks }
}

describe('the shared engine when the database comes back', () => {
  it('renews the leases of the runs it runs before the link says online, and stops a run another runner took', async () => {
    const renewed: string[][] = []
    const lost: string[] = []
    const made = engineWith(renewed, (ids) => ids.filter((id) => id !== 'r2'), lost)
    engine = made.engine
    engine.start({ runnerId: 'host:1:a', host: 'host', pid: 1, startedAt: Date.now() }, made.hooks)
    await engine.onReconnect()
    expect(renewed).toEqual([['r1', 'r2']])
    expect(lost).toEqual(['r2'])
  })
})
