import { afterEach, describe, expect, it } from 'vitest'
import { pgAtVersion, type PgAtVersion } from '../../../test-support/migration-db'

let data: PgAtVersion | undefined
afterEach(async () => data?.dispose())

describe('PostgreSQL migration 13: audit log', () => {
  it('keeps every instance\'s audit records once by id, with at most 20 targets and a short summary', async () => {
    // 12 is the token store's (issue 17): this one depends on nothing of it.
    data = await pgAtVersion(12)
    await data.upgradeTo(13)
    const { client } = data
    const insert = (id: string, patch: { targets?: string[]; summary?: string; role?: string } = {}) =>
      client.query(
        `INSERT INTO jobdeck.audit_log (id, at, who, role, method, targets, target_count, summary, outcome, message)
         VALUES ($1, 1000, 'desktop', $2, 'jobs.cancel', $3::jsonb, 1, $4, 'ok', NULL) ON CONFLICT (id) DO NOTHING`,
        [id, patch.role ?? 'admin', JSON.stringify(patch.targets ?? ['J1']), patch.summary ?? 'id=J1'],
      )
    await insert('A1')
    // Pushed again after an outage: nothing more.
    expect((await insert('A1')).rowCount).toBe(0)
    await expect(insert('A2', { targets: Array.from({ length: 21 }, (_, i) => `J${i}`) })).rejects.toThrow(/check constraint/)
    await expect(insert('A2', { summary: 'x'.repeat(201) })).rejects.toThrow(/check constraint/)
    await expect(insert('A2', { role: 'root' })).rejects.toThrow(/check constraint/)
    const { rows } = await client.query(`SELECT id, targets, at::int8 AS at FROM jobdeck.audit_log`)
    expect(rows).toEqual([{ id: 'A1', targets: ['J1'], at: '1000' }])
  })
})
