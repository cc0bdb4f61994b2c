// The audit log in shared mode, on a real PostgreSQL: every instance writes one log there, each
// reads all of it, and a change made while the database is cut off keeps its record in the
// instance's file until the database is back, then reaches it exactly once.
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import type { AuditRecord, Caller } from '../../../src-shared/access'
import type { Job } from '../../../src-shared/domain'
import type { Core } from '../core'
import { DESKTOP } from '../access/callers'
import { useSharedDatabase } from '../test-support/shared-instances'
import { startTcpProxy, viaProxy } from '../test-support/tcp-proxy'
import { waitFor } from '../test-support/test-env'
import { dispatch } from './dispatch'

const shared = useSharedDatabase('jobdeck_audit')

const CONFIG = `
jobs:
  greet:
    command: [node, -e, "1"]
`

const OPS: Caller = { who: 'ops-bot', role: 'operator' }
const CRON: Caller = { who: 'cron-bot', role: 'operator' }

async function listed(core: Core, filter: Record<string, unknown> = {}): Promise<AuditRecord[]> {
  const result = await dispatch(core, 'audit.list', { limit: 1000, ...filter }, DESKTOP)
  if (!result.ok) throw new Error(result.error.message)
  return result.value as AuditRecord[]
}

async function enqueue(core: Core, caller: Caller): Promise<Job> {
  const result = await dispatch(core, 'jobs.enqueue', { type: 'greet', params: {} }, caller)
  if (!result.ok) throw new Error(result.error.message)
  return result.value as Job
}

describe('the audit log in shared mode', () => {
  it('two instances write one log in PostgreSQL, and each lists both', async () => {
    const a = shared.open(shared.env(CONFIG))
    const b = shared.open(shared.env(CONFIG))
    await Promise.all([a.ready(), b.ready()])
    const fromA = await enqueue(a, OPS)
    const fromB = await enqueue(b, DESKTOP)
    expect(await dispatch(b, 'runner.pause', {}, { who: 'dash', role: 'viewer' })).toMatchObject({ ok: false })

    for (const core of [a, b]) {
      expect((await listed(core)).map((r) => [r.who, r.method, r.outcome, r.targets])).toEqual([
        ['dash', 'runner.pause', 'forbidden', []],
        ['desktop', 'jobs.enqueue', 'ok', [fromB.id]],
        ['ops-bot', 'jobs.enqueue', 'ok', [fromA.id]],
      ])
    }
    expect((await listed(a, { who: 'desktop' })).map((r) => r.targets)).toEqual([[fromB.id]])
    // Each file keeps its own records, all pushed.
    expect(a.store.db.prepare(`SELECT count(*) FROM audit_log WHERE pending = 0`).pluck().get()).toBe(1)
    expect(b.store.db.prepare(`SELECT count(*) FROM audit_log WHERE pending = 0`).pluck().get()).toBe(2)
    await Promise.all([a.close(), b.close()])
  })

  it('a record written while the database is cut reaches it once it is back, exactly once', async () => {
    const target = new URL(shared.db.url)
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432))
    const direct = new pg.Client({ connectionString: shared.db.url })
    await direct.connect()
    try {
      const a = shared.open(shared.env(CONFIG), { postgres: { url: viaProxy(shared.db.url, proxy.port), source: 'flag' } })
      await a.ready()
      expect(a.connection().status).toBe('online')
      proxy.cut()
      const job = await enqueue(a, CRON)
      expect(a.connection().status).toBe('offline')
      const inPg = async (): Promise<number> =>
        (await direct.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobdeck.audit_log WHERE targets ? $1`, [job.id])).rows[0]?.n ?? -1
      expect(await inPg()).toBe(0)
      // Offline, the instance answers from its own records.
      expect((await listed(a)).map((r) => [r.who, r.targets])).toContainEqual(['cron-bot', [job.id]])
      expect(a.store.db.prepare(`SELECT count(*) FROM audit_log WHERE pending = 1`).pluck().get()).toBe(1)

      proxy.restore()
      await waitFor(() => a.connection().status === 'online' && a.store.db.prepare(`SELECT count(*) FROM audit_log WHERE pending = 1`).pluck().get() === 0, 20_000, 'the record to be pushed')
      expect(await inPg()).toBe(1)
      // Pushed again (as a crash between the push and its mark would): still once.
      a.store.db.prepare(`UPDATE audit_log SET pending = 1`).run()
      await a.audit.push()
      expect(a.store.db.prepare(`SELECT count(*) FROM audit_log WHERE pending = 1`).pluck().get()).toBe(0)
      expect(await inPg()).toBe(1)
      expect((await listed(a, { who: 'cron-bot' })).map((r) => r.targets)).toEqual([[job.id]])
      await a.close()
    } finally {
      await direct.end()
      await proxy.close()
    }
  })
})
