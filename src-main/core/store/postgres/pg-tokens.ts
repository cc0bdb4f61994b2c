// API tokens in the shared database (shared mode; migration 12), so every instance accepts a
// token made on any of them. One statement per operation; a revocation also sends NOTIFY
// jobdeck 'tokens' in its transaction, so every instance's verifier hears it at the commit.
import { TOKEN_COLUMNS as COLUMNS, tokenFromColumns as toToken, type TokenColumns as Row, type TokenRecords, type TokenRow } from '../token-records'
import type { PgConnection } from './pg-connection'

/** The payload of the NOTIFY a revocation sends on channel `jobdeck`. */
export const TOKENS_CHANGED = 'tokens'

export class PgTokens implements TokenRecords {
  constructor(private readonly conn: PgConnection) {}

  async add(row: TokenRow): Promise<boolean> {
    const { rowCount } = await this.conn.query(
      `INSERT INTO jobdeck.api_tokens (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL) ON CONFLICT (name) DO NOTHING`,
      [row.name, row.role, row.hash, row.createdAt, row.createdBy, row.expiresAt],
    )
    return rowCount === 1
  }

  async all(): Promise<TokenRow[]> {
    const { rows } = await this.conn.query<Row>(`SELECT ${COLUMNS} FROM jobdeck.api_tokens ORDER BY name`)
    return rows.map(toToken)
  }

  async live(now: number): Promise<TokenRow[]> {
    const { rows } = await this.conn.query<Row>(
      `SELECT ${COLUMNS} FROM jobdeck.api_tokens WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $1)`,
      [now],
    )
    return rows.map(toToken)
  }

  async revoke(name: string, at: number): Promise<TokenRow | null> {
    return this.conn.transaction(async (client) => {
      const { rows } = await client.query<Row>(
        `UPDATE jobdeck.api_tokens SET revoked_at = coalesce(revoked_at, $1) WHERE name = $2 RETURNING ${COLUMNS}`,
        [at, name],
      )
      const row = rows[0]
      if (!row) return null
      await client.query(`SELECT pg_notify('jobdeck', $1)`, [TOKENS_CHANGED])
      return toToken(row)
    })
  }

  async touch(name: string, at: number): Promise<void> {
    await this.conn.query(
      `UPDATE jobdeck.api_tokens SET last_used_at = $1 WHERE name = $2 AND (last_used_at IS NULL OR last_used_at < $1)`,
      [at, name],
    )
  }
}
