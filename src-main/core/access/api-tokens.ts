// API tokens (issue 17): made, listed and revoked through the API, and verified by every transport
// that takes a bearer token. A token is `jdk_` + 256 random bits (base64url); only its SHA-256 is
// kept, so the token exists in clear only in the answer of `tokens.create` and in the client.
//
// Verifying: the tokens that may be used are read as one list (the table is small), kept at most
// CACHE_MS, and a secret is looked up by its hash: hashes are compared, never secrets, and an
// unknown secret costs no query (at most one read a second, whatever a client sends). A
// revocation made by any process (another CLI on this file, another instance on the shared
// database) is refused within a second; one made by this process, at once.
//
// Shared mode, while the shared database is unreachable: the list last read from it keeps
// answering for the outage, unless tokens may have changed since it was read. Revocations there
// send NOTIFY (pg-tokens.ts), and a NOTIFY, or a reconnect (NOTIFYs may have been lost while the
// listener was down), marks the list as possibly behind and reads it again at once. So a token
// revoked before the outage stays refused; with no list known to be current, verify throws
// `unavailable` (the transport answers 503) rather than accept or refuse everyone blindly.
import { createHash, randomBytes } from 'node:crypto'
import { RESERVED_CALLER_NAMES, type ApiToken, type Caller, type CreatedToken, type Role } from '../../../src-shared/access'
import { JobdeckError } from '../../../src-shared/errors'
import { echo } from '../../../src-shared/redact'
import type { TokenRecords, TokenRow } from '../store/token-records'
import type { TokenVerifier } from './token-verifier'

export const TOKEN_PREFIX = 'jdk_'
/** The prefix and 32 bytes in base64url: anything else is refused before it is hashed. */
const TOKEN_SHAPE = /^jdk_[A-Za-z0-9_-]{43}$/
/** How long verify trusts the list it read. */
export const CACHE_MS = 1_000
/**
 * A secret not in the list may be a token made a moment ago by another process: the list is read
 * again for it, at most this often (unknown secrets sent in a loop cost at most 4 reads a second).
 */
export const MISS_REREAD_MS = 250
/** A token's last use is written at most this often (per token and process). */
export const TOUCH_EVERY_MS = 60_000

export interface ApiTokensOptions {
  records: TokenRecords
  /**
   * Shared mode: whether the shared database, where the tokens live, is worth asking now (not
   * known to be offline). Absent: local mode, the SQLite file always answers.
   */
  shared?: { reachable(): boolean }
  now?: () => number
  log?: (line: string) => void
}

export interface NewToken {
  name: string
  role: Role
  /** From now; null: never expires. */
  expiresInMs: number | null
  /** The creator's `who`. */
  createdBy: string
}

interface Snapshot {
  byHash: ReadonlyMap<string, TokenRow>
  readAt: number
  /** `generation` when the read began: an older one may miss a change. */
  generation: number
}

const sha256 = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex')
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())
const isUnavailable = (error: unknown): boolean => error instanceof JobdeckError && error.code === 'unavailable'

export function toApiToken(row: TokenRow): ApiToken {
  return {
    name: row.name,
    role: row.role,
    createdAt: new Date(row.createdAt).toISOString(),
    createdBy: row.createdBy,
    expiresAt: iso(row.expiresAt),
    lastUsedAt: iso(row.lastUsedAt),
    revokedAt: iso(row.revokedAt),
  }
}

export class ApiTokens implements TokenVerifier {
  private readonly now: () => number
  private snapshot: Snapshot | null = null
  private reading: Promise<Snapshot> | null = null
  /** When the list was last read again for a secret it lacked. */
  private missReadAt = -Infinity
  /** Bumped whenever tokens may have changed since a read: a revocation here, a NOTIFY, a reconnect. */
  private generation = 0
  /** When this process last wrote each token's use. */
  private readonly touched = new Map<string, number>()
  private readonly touching = new Set<Promise<void>>()

  constructor(private readonly options: ApiTokensOptions) {
    this.now = options.now ?? Date.now
  }

  async create(input: NewToken): Promise<CreatedToken> {
    if (RESERVED_CALLER_NAMES.includes(input.name)) {
      throw new JobdeckError(
        'invalid_input',
        `name: ${echo(input.name)} is reserved (the audit log names the owner's own calls by it); choose another name`,
      )
    }
    this.requireDatabase('create a token')
    const secret = TOKEN_PREFIX + randomBytes(32).toString('base64url')
    const now = this.now()
    const row: TokenRow = {
      name: input.name,
      role: input.role,
      hash: sha256(secret),
      createdAt: now,
      createdBy: input.createdBy,
      expiresAt: input.expiresInMs === null ? null : now + input.expiresInMs,
      lastUsedAt: null,
      revokedAt: null,
    }
    if (!(await this.options.records.add(row))) {
      throw new JobdeckError(
        'conflict',
        `a token named ${echo(input.name)} exists already (a revoked one keeps its name, so the audit log never mixes two tokens); choose another name`,
      )
    }
    this.changed()
    return { token: toApiToken(row), secret }
  }

  async list(): Promise<ApiToken[]> {
    this.requireDatabase('list the tokens')
    return (await this.options.records.all()).map(toApiToken)
  }

  async revoke(name: string): Promise<ApiToken> {
    this.requireDatabase('revoke a token')
    const row = await this.options.records.revoke(name, this.now())
    if (row === null) throw new JobdeckError('not_found', `no token named ${echo(name)}; \`jobdeck tokens list\` shows them`)
    this.changed()
    return toApiToken(row)
  }

  async verify(secret: string): Promise<Caller | null> {
    if (typeof secret !== 'string' || !TOKEN_SHAPE.test(secret)) return null
    const hash = sha256(secret)
    let row = (await this.current()).get(hash)
    if (!row) row = (await this.rereadForMiss())?.get(hash)
    const now = this.now()
    if (!row || row.revokedAt !== null || (row.expiresAt !== null && row.expiresAt <= now)) return null
    this.noteUse(row, now)
    return { who: row.name, role: row.role }
  }

  /**
   * Tokens may have changed elsewhere (a NOTIFY `tokens`, or the shared database back after an
   * outage, when NOTIFYs may have been lost): the list is read again before it is trusted, and
   * at once when this process verifies tokens, so an idle server is current when an outage starts.
   */
  changed(): void {
    this.generation++
    if (this.snapshot !== null) void this.current().catch(() => undefined)
  }

  /** Waits for the last uses being written (before the store closes). */
  async close(): Promise<void> {
    await Promise.all([...this.touching])
  }

  private requireDatabase(what: string): void {
    if (this.options.shared && !this.options.shared.reachable()) {
      throw new JobdeckError('unavailable', `cannot ${what}: the shared database is offline, and tokens live there so that every instance accepts them; try again when it is back`)
    }
  }

  private async current(): Promise<ReadonlyMap<string, TokenRow>> {
    const held = this.snapshot
    if (held && held.generation === this.generation && this.now() - held.readAt < CACHE_MS) return held.byHash
    if (this.options.shared && !this.options.shared.reachable()) return this.offline()
    try {
      // A read that began before a change made here is not enough: read again (changes are rare).
      for (;;) {
        const read = await this.read()
        if (read.generation === this.generation) return read.byHash
      }
    } catch (error) {
      if (this.options.shared && isUnavailable(error)) return this.offline()
      throw error
    }
  }

  /** The list read again for a secret it lacks, unless one was read for that less than MISS_REREAD_MS ago or the database is away. */
  private async rereadForMiss(): Promise<ReadonlyMap<string, TokenRow> | null> {
    const now = this.now()
    if (now - this.missReadAt < MISS_REREAD_MS) return null
    if (this.options.shared && !this.options.shared.reachable()) return null
    this.missReadAt = now
    try {
      return (await this.read()).byHash
    } catch (error) {
      if (isUnavailable(error)) return null
      throw error
    }
  }

  /** The shared database is unreachable: the last list, if nothing may have changed since it was read. */
  private offline(): ReadonlyMap<string, TokenRow> {
    const held = this.snapshot
    if (held && held.generation === this.generation) return held.byHash
    throw new JobdeckError(
      'unavailable',
      'cannot check the token: the shared database is offline, and this instance has no list of tokens known to be current; try again when it is back',
    )
  }

  private read(): Promise<Snapshot> {
    this.reading ??= (async () => {
      const generation = this.generation
      const readAt = this.now()
      const rows = await this.options.records.live(readAt)
      const snapshot: Snapshot = { byHash: new Map(rows.map((row) => [row.hash, row])), readAt, generation }
      // A read that began before a later one finished never replaces it.
      if (!this.snapshot || this.snapshot.readAt <= readAt) this.snapshot = snapshot
      return snapshot
    })().finally(() => {
      this.reading = null
    })
    return this.reading
  }

  /** Records the use at most once a minute per token, after the answer (a failure is only logged). */
  private noteUse(row: TokenRow, now: number): void {
    const last = Math.max(this.touched.get(row.name) ?? 0, row.lastUsedAt ?? 0)
    if (now - last < TOUCH_EVERY_MS) return
    this.touched.set(row.name, now)
    const write: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.options.records.touch(row.name, now))
      .catch((error: unknown) => {
        // During an outage the last use is simply not recorded; anything else is worth a line.
        if (!isUnavailable(error)) this.options.log?.(`could not record the last use of token ${row.name}: ${(error as Error).message}`)
      })
      .finally(() => this.touching.delete(write))
    this.touching.add(write)
  }
}
