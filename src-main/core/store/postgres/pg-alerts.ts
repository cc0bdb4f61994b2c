// Alerts in the shared database (migration 9): the claim of an alert's key, so that exactly one
// instance sends it, and the snoozes every instance honours. One statement per operation.
import type { AlertSnooze } from '../../../../src-shared/alerts'
import type { PgConnection } from './pg-connection'

export class PgAlerts {
  constructor(private readonly conn: PgConnection) {}

  /**
   * The keys this instance sends: those its insert won, and those it had won before (claimed, then
   * killed before its outbox write committed: the restart decides them again and must win again).
   */
  async claim(keys: readonly string[], instance: string): Promise<Set<string>> {
    if (keys.length === 0) return new Set()
    const { rows } = await this.conn.query<{ key: string }>(
      `INSERT INTO jobdeck.alert_keys (key, instance) SELECT k, $2 FROM unnest($1::text[]) AS k
       ON CONFLICT (key) DO UPDATE SET at = jobdeck.alert_keys.at WHERE jobdeck.alert_keys.instance = excluded.instance
       RETURNING key`,
      [[...new Set(keys)], instance],
    )
    return new Set(rows.map((r) => r.key))
  }

  async snoozes(now: number): Promise<AlertSnooze[]> {
    const { rows } = await this.conn.query<{ type: string; until: string; by: string | null }>(
      `SELECT type, until, by FROM jobdeck.alert_snoozes WHERE until > $1 ORDER BY until, type`,
      [now],
    )
    return rows.map((r) => ({ type: r.type, until: new Date(Number(r.until)).toISOString(), by: r.by }))
  }

  /** `until` null lifts the snooze; past snoozes are dropped on the way. */
  async setSnooze(type: string, until: number | null, by: string | null, now: number): Promise<void> {
    await this.conn.transaction(async (client) => {
      await client.query(`DELETE FROM jobdeck.alert_snoozes WHERE type = $1 OR until <= $2`, [type, now])
      if (until !== null) await client.query(`INSERT INTO jobdeck.alert_snoozes (type, until, by) VALUES ($1, $2, $3)`, [type, until, by])
    })
  }
}
