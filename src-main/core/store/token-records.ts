// Where API tokens are kept (issue 17): the SQLite file in local mode (sqlite/token-store.ts), the
// shared database in shared mode (postgres/pg-tokens.ts). Each row holds the SHA-256 of the token
// (hex), never the token. access/api-tokens.ts is the one user.
import type { Role } from '../../../src-shared/access'

export interface TokenRow {
  name: string
  role: Role
  /** SHA-256 of the token, lowercase hex. */
  hash: string
  createdAt: number
  createdBy: string
  expiresAt: number | null
  lastUsedAt: number | null
  revokedAt: number | null
}

export interface TokenRecords {
  /** Adds the token; false when its name is taken (by a live, expired or revoked token). */
  add(row: TokenRow): boolean | Promise<boolean>
  /** Every token, revoked and expired ones too, by name. */
  all(): TokenRow[] | Promise<TokenRow[]>
  /** The tokens that may be used at `now`: not revoked, not expired. */
  live(now: number): TokenRow[] | Promise<TokenRow[]>
  /** Revokes the token (a revoked one keeps its first revocation); null when no token has that name. */
  revoke(name: string, at: number): TokenRow | null | Promise<TokenRow | null>
  /** Records a use; never moves the last use back. */
  touch(name: string, at: number): void | Promise<void>
}
