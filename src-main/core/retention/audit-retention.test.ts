// Audit records follow the retention policy with their own age (`retention.audit`, a year by
// default): a pass deletes the older ones and keeps the newer, in the SQLite file and, in shared
// mode, in PostgreSQL (every instance's records); a record not pushed yet is never deleted here.
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import type { Caller } from '../../../src-shared/access'
import { DEFAULT_RETENTION, retentionSchema } from '../../../src-shared/retention-config'
import { formatConfigError, loadConfigFile } from '../config/load-config'
import type { Core } from '../core'
import { useSharedDatabase } from '../test-support/shared-instances'
import { makeTestEnv, waitFor } from '../test-support/test-env'
import { DAY } from '../test-support/retention-history'
import { policyWords } from './policy-words'

const shared = useSharedDatabase('jobdeck_audit_retention')

const CONFIG = `
jobs:
  greet:
    command: [node, -e, "1"]
retention:
  audit: 30d
`

const OPS: Caller = { who: 'ops-bot', role: 'operator' }

/** One audit record of a call made `daysAgo` days ago. */
async function recordAt(core: Core, daysAgo: number, id: string): Promise<void> {
  await core.audit.record({ caller: OPS, method: 'jobs.cancel', args: { id }, result: { ok: true, value: null }, at: Date.now() - daysAgo * DAY })
}

const targetsOf = async (core: Core): Promise<string[]> => (await core.audit.list({ limit: 1000 })).flatMap((r) => r.targets).sort()

describe('retention of the audit log', () => {
  it('keeps a year by default, says so in the policy, and refuses a bad age naming the place', () => {
    expect(DEFAULT_RETENTION.audit).toBe(365 * DAY)
    expect(policyWords(DEFAULT_RETENTION)).toContain('audit records after 1 year')
    expect(retentionSchema.parse({ audit: '2y' }).audit).toBe(730 * DAY)
    const env = makeTestEnv(CONFIG)
    try {
      const core = env.open()
      expect(core.config.current.raw.retention.audit).toBe(30 * DAY)
      env.writeConfig(`jobs:\n  greet:\n    command: [node, -e, "1"]\nretention:\n  audit: soon\n`)
      const loaded = loadConfigFile(env.configPath)
      expect(loaded.ok).toBe(false)
      if (!loaded.ok) expect(loaded.errors.map(formatConfigError).join('\n')).toContain('jobdeck.yaml:5:10: retention.audit: expected retention.audit as a duration like 30s, 10m, 1h30m or 250ms, got "soon"')
    } finally {
      env.cleanup()
    }
  })

  it('a pass deletes audit records older than the age and keeps the newer ones (SQLite)', async () => {
    const env = makeTestEnv(CONFIG)
    try {
      const core = env.open()
      await recordAt(core, 40, 'old-1')
      await recordAt(core, 31, 'old-2')
      await recordAt(core, 29, 'new-1')
      await recordAt(core, 0, 'new-2')
      const status = await core.api['retention.status']({})
      expect(status.next.audit).toBe(2)
      expect(status.policy).toContain('audit records after 30 days')
      const pass = await core.api['retention.run']({})
      expect(pass).toMatchObject({ scope: 'local', error: null, deleted: { audit: 2 } })
      expect(await targetsOf(core)).toEqual(['new-1', 'new-2'])
    } finally {
      env.cleanup()
    }
  })

  it('in shared mode a pass deletes every instance\'s old records in PostgreSQL, and a record not pushed yet stays in the file', async () => {
    const a = shared.open(shared.env(CONFIG), { retentionFirstPassMs: 3_600_000 })
    const b = shared.open(shared.env(CONFIG), { retentionFirstPassMs: 3_600_000 })
    await Promise.all([a.ready(), b.ready()])
    await recordAt(a, 40, 'a-old')
    await recordAt(b, 40, 'b-old')
    await recordAt(b, 1, 'b-new')
    const client = new pg.Client({ connectionString: shared.db.url })
    await client.connect()
    try {
      const inPg = async (): Promise<string[]> =>
        (await client.query<{ target: string }>(`SELECT targets->>0 AS target FROM jobdeck.audit_log ORDER BY 1`)).rows.map((r) => r.target)
      expect(await inPg()).toEqual(['a-old', 'b-new', 'b-old'])
      // A record this file still owes the shared database (as if written offline): never deleted here.
      a.store.db.prepare(`UPDATE audit_log SET pending = 1`).run()

      const pass = await b.api['retention.run']({})
      expect(pass).toMatchObject({ scope: 'shared', error: null, deleted: { audit: 2 } })
      expect(await inPg()).toEqual(['b-new'])
      expect(await targetsOf(b)).toEqual(['b-new'])
      // B's own file lost its old record too; A's pending one waits for its push.
      expect(b.store.db.prepare(`SELECT count(*) FROM audit_log`).pluck().get()).toBe(1)
      await a.api['retention.run']({})
      expect(a.store.db.prepare(`SELECT count(*) FROM audit_log WHERE pending = 1`).pluck().get()).toBe(1)
      // Pushed at last (by id: once), then the next pass in PostgreSQL deletes it.
      await a.audit.push()
      await waitFor(() => a.store.db.prepare(`SELECT count(*) FROM audit_log WHERE pending = 1`).pluck().get() === 0, 10_000, 'the push')
      expect(await inPg()).toEqual(['a-old', 'b-new'])
      await b.api['retention.run']({})
      expect(await inPg()).toEqual(['b-new'])
    } finally {
      await client.end()
      await Promise.all([a.close(), b.close()])
    }
  })
})
