// API tokens in the SQLite file (local mode; migration 14). One statement per operation.
import { TOKEN_COLUMNS as COLUMNS, tokenFromColumns as toToken, type TokenColumns as Row, type TokenRecords, type TokenRow } from '../token-records'
import type { SqliteStore } from './sqlite-store'

export class SqliteTokens implements TokenRecords {
  constructor(private readonly store: SqliteStore) {}

  private get db(): SqliteStore['db'] {
    return this.store.db
  }

  add(row: TokenRow): boolean {
    const insert = this.db.prepare(
      `INSERT INTO api_tokens (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL) ON CONFLICT (name) DO NOTHING`,
    )
    return this.store.tx(() => insert.run(row.name, row.role, row.hash, row.createdAt, row.createdBy, row.expiresAt).changes === 1)
  }

  all(): TokenRow[] {
    return (this.db.prepare(`SELECT ${COLUMNS} FROM api_tokens ORDER BY name`).all() as Row[]).map(toToken)
  }

  live(now: number): TokenRow[] {
    const rows = this.db
      .prepare(`SELECT ${COLUMNS} FROM api_tokens WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)`)
      .all(now) as Row[]
    return rows.map(toToken)
  }

  revoke(name: string, at: number): TokenRow | null {
    const update = this.db.prepare(`UPDATE api_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE name = ? RETURNING ${COLUMNS}`)
    const row = this.store.tx(() => update.get(at, name) as Row | undefined)
    return row ? toToken(row) : null
  }

  touch(name: string, at: number): void {
    const update = this.db.prepare(`UPDATE api_tokens SET last_used_at = ? WHERE name = ? AND (last_used_at IS NULL OR last_used_at < ?)`)
    // Bookkeeping: a power cut may take back a last use, never a token or a revocation.
    this.store.relaxedTx(() => update.run(at, name, at))
  }
}
