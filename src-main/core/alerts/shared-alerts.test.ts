// Shared mode: instances on one PostgreSQL, each with its own cache that sees every failure,
// each running the alert rules; every failure is written to exactly one outbox in total. While the
// database is unreachable nothing is decided (the key cannot be claimed) and nothing is lost.
import { afterEach, describe, expect, it } from 'vitest'
import type { Core } from '../core'
import { configOf, outboxRows } from '../test-support/alert-history'
import { cachedStatus, useSharedDatabase } from '../test-support/shared-instances'
import { startTcpProxy, viaProxy } from '../test-support/tcp-proxy'
import { waitFor } from '../test-support/test-env'
import { AlertWatch } from './alert-watch'

const CONFIG = `
jobs:
  broken:
    command: [node, scripts/fail.js]
alerts:
  channels:
    ops: { webhook: { urlEnv: OPS_HOOK } }
  rules:
    - { on: failed, channels: [ops] }
`

const shared = useSharedDatabase('jobdeck_shared_alerts')
const watches: AlertWatch[] = []
const cores: Core[] = []

// Each test's instances leave: a watch still running would claim the next test's alerts (rightly).
afterEach(async () => {
  for (const watch of watches.splice(0)) await watch.stop()
  await Promise.all(cores.splice(0).map((core) => core.close().catch(() => undefined)))
})

function instance(url = shared.db.url): Core {
  const core = shared.open(shared.env(CONFIG), { postgres: { url, source: 'flag' }, shared: { backoff: { baseMs: 50, maxMs: 500 }, pollMs: 100 } })
  cores.push(core)
  return core
}

function watchOf(core: Core): AlertWatch {
  const config = configOf(CONFIG)
  const watch = new AlertWatch({ store: core.store, config: () => config, events: core.events, shared: core.link?.alerts ?? null, pollMs: 50, onAlerts: () => undefined, log: () => undefined })
  watches.push(watch)
  return watch
}

const failedIn = (core: Core, ids: string[]): boolean => ids.every((id) => cachedStatus(core, id) === 'failed')

describe('alerts in shared mode', () => {
  it('each failure yields one outbox row across the instances, two of whose caches saw it', async () => {
    const a = instance()
    const b = instance()
    // The runner's own process decides alerts too (it holds its runner lock), as a third instance.
    const runner = instance()
    await Promise.all([a.ready(), b.ready(), runner.ready()])
    const watchA = watchOf(a)
    const watchB = watchOf(b)
    watchA.start()
    watchB.start()
    runner.startRunner()
    const ids: string[] = []
    for (let i = 0; i < 6; i++) ids.push((await (i % 2 ? a : b).api['jobs.enqueue']({ type: 'broken', params: {} })).id)
    await waitFor(() => failedIn(a, ids) && failedIn(b, ids), 30_000, 'both caches to see every failure')
    const all = (): ReturnType<typeof outboxRows> => [...outboxRows(a.store), ...outboxRows(b.store), ...outboxRows(runner.store)]
    await waitFor(() => all().length >= ids.length, 10_000, 'the failures to be decided')
    // A full pass each, now that both caches hold every failure: each has decided all of them.
    await watchA.settle()
    await watchB.settle()
    const rows = all()
    expect(rows.map((r) => r.key.split(':')[1]).sort()).toEqual([...ids].sort())
    expect(rows.every((r) => r.channel === 'ops' && r.title === 'broken failed')).toBe(true)
  })

  it('offline, a failure stays undecided (the watermark waits) and is decided once when the database is back', async () => {
    const target = new URL(shared.db.url)
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432))
    try {
      const runner = instance()
      const cut = instance(viaProxy(shared.db.url, proxy.port))
      await Promise.all([runner.ready(), cut.ready()])
      // Alerting began on this data file before the failure (a watch ran and stopped).
      const earlier = watchOf(cut)
      earlier.start()
      await earlier.settle()
      await earlier.stop()
      runner.startRunner()
      const job = await runner.api['jobs.enqueue']({ type: 'broken', params: {} })
      await waitFor(() => failedIn(cut, [job.id]), 30_000, 'the cache to see the failure')
      proxy.cut()
      await waitFor(() => cut.connection().status === 'offline', 10_000, 'the instance to see the outage')
      const before = Number(cut.store.metaValue('alerts.seq'))
      const watch = watchOf(cut)
      watch.start()
      await watch.settle()
      expect(outboxRows(cut.store)).toEqual([])
      expect(Number(cut.store.metaValue('alerts.seq'))).toBe(before)
      proxy.restore()
      await waitFor(() => cut.connection().status === 'online', 10_000, 'the instance to reconnect')
      // The runner's own process decides alerts too (it holds its runner lock): whichever claims
      // the key first writes it; the one that was cut off decides it once it can, and writes
      // nothing more.
      await waitFor(() => Number(cut.store.metaValue('alerts.seq')) > before, 10_000, 'the failure to be decided')
      await watch.settle()
      const rows = [...outboxRows(cut.store), ...outboxRows(runner.store)]
      expect(rows.map((r) => r.key)).toEqual([expect.stringMatching(new RegExp(`^failed:${job.id}:`))])
    } finally {
      proxy.close()
    }
  })

  it('a snooze made on one instance holds on the other', async () => {
    const a = instance()
    const b = instance()
    await Promise.all([a.ready(), b.ready()])
    const until = Date.now() + 3_600_000
    expect(await a.api['alerts.snooze']({ type: 'broken', until })).toEqual([{ type: 'broken', until: new Date(until).toISOString(), by: null }])
    expect(await b.link?.alerts.snoozes(Date.now())).toEqual([{ type: 'broken', until: new Date(until).toISOString(), by: null }])
    // What Settings shows on the other instance, through its rules' watch.
    expect(await watchOf(b).snoozes()).toEqual([{ type: 'broken', until: new Date(until).toISOString(), by: null }])
    expect(await b.api['alerts.snooze']({ type: 'broken', until: null })).toEqual([])
  })
})
