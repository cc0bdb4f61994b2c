// The shared database connection: a pool for queries, one client that LISTENs for wake-ups, and
// the connection state (online / offline with the error / back online) with reconnects by
// exponential backoff and jitter. A dead server never crashes or hangs the engine: queries fail
// fast with `unavailable`, and the owner falls back to the cache and the outbox.
import fs from 'node:fs'
import pg from 'pg'
import { backoffDelay } from '../../../../src-shared/backoff'
import type { PostgresConfig, TlsConfig } from '../../../../src-shared/config-schema'
import type { DatabaseState } from '../../../../src-shared/connection'
import { JobdeckError } from '../../../../src-shared/errors'
import { MAX_TIMER_MS } from '../../../../src-shared/units'

/** int8 (bigint) columns as numbers: every bigint here is epoch ms or a count below 2^53. */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20) return (value: string) => Number(value)
    return pg.types.getTypeParser(oid, format)
  },
}

export interface PgConnectionOptions {
  config: PostgresConfig
  /** Where the URL came from (shown in status). */
  source: 'flag' | 'env' | 'config'
  /** From the secret store; undefined lets the driver read PGPASSWORD / ~/.pgpass. */
  password?: string
  onState?: (state: DatabaseState) => void
  /** Channel payloads from NOTIFY jobdeck. */
  onNotify?: (payload: string) => void
  /** Runs every time the connection comes (back) online, before `online` is announced. */
  onOnline?: () => Promise<void>
  backoff?: { baseMs: number; maxMs: number }
}

/** PostgreSQL error codes and network failures that mean "the database is unreachable". */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string') {
    if (/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN)$/.test(code)) return true
    // 08: connection exception; 57P01-3: admin shutdown, crash shutdown, cannot connect now.
    if (/^08|^57P0[1-3]$/.test(code)) return true
  }
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended|not queryable|Query read timeout/i.test(
    error.message,
  )
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return '(an unreadable URL)'
  }
}

export function sslOptions(tls: TlsConfig | undefined): pg.PoolConfig['ssl'] {
  if (tls === undefined || tls === false) return undefined
  if (tls === true) return { rejectUnauthorized: true }
  return {
    rejectUnauthorized: tls.rejectUnauthorized,
    ...(tls.ca ? { ca: fs.readFileSync(tls.ca, 'utf8') } : {}),
    ...(tls.cert ? { cert: fs.readFileSync(tls.cert, 'utf8') } : {}),
    ...(tls.key ? { key: fs.readFileSync(tls.key, 'utf8') } : {}),
  }
}

/**
 * The URL with the password put in: pg lets fields parsed from a connection string win over
 * explicit options, so a password given beside a URL without one would be dropped.
 */
export function withPassword(url: string, password: string | undefined): string {
  if (password === undefined || password === '') return url
  const parsed = new URL(url)
  parsed.password = encodeURIComponent(password)
  return parsed.toString()
}

export function clientConfig(config: PostgresConfig, password: string | undefined): pg.ClientConfig {
  return {
    connectionString: withPassword(config.url, password),
    ssl: sslOptions(config.ssl),
    connectionTimeoutMillis: config.connectTimeout,
    statement_timeout: config.statementTimeout,
    // A cut network must not leave a query waiting forever. Each part is at most MAX_TIMER_MS, but
    // their sum may not be, and the driver's timer would then fire at once.
    query_timeout: Math.min(config.statementTimeout + config.connectTimeout, MAX_TIMER_MS),
    keepAlive: true,
    keepAliveInitialDelayMillis: 5_000,
    application_name: 'jobdeck',
    types,
  }
}

export class PgConnection {
  readonly pool: pg.Pool
  private listener: pg.Client | null = null
  private stateValue: DatabaseState
  private retryTimer: NodeJS.Timeout | null = null
  private attempt = 0
  private closed = false
  private connecting: Promise<boolean> | null = null

  constructor(private readonly options: PgConnectionOptions) {
    this.pool = new pg.Pool({ ...clientConfig(options.config, options.password), max: options.config.poolSize })
    // A client losing its server must not crash the process, idle in the pool or checked out
    // between two queries (node emits 'error' on it then, with no query to reject).
    this.pool.on('error', (error) => this.lost(error))
    this.pool.on('connect', (client) => client.on('error', (error) => this.lost(error)))
    this.stateValue = {
      mode: 'shared',
      status: 'connecting',
      url: redactUrl(options.config.url),
      source: options.source,
      error: null,
      offlineSince: null,
      lastSyncAt: null,
      outboxPending: 0,
      retryAt: null,
    }
  }

  get state(): DatabaseState {
    return this.stateValue
  }

  get online(): boolean {
    return this.stateValue.status === 'online'
  }

  /** Updates fields the owner tracks (last sync, outbox) and announces the change. */
  patchState(patch: Partial<Pick<DatabaseState, 'lastSyncAt' | 'outboxPending'>>): void {
    this.setState({ ...this.stateValue, ...patch })
  }

  private setState(next: DatabaseState): void {
    this.stateValue = next
    this.options.onState?.(next)
  }

  /** First connection; resolves false (and keeps retrying in the background) when unreachable. */
  connect(): Promise<boolean> {
    this.connecting ??= this.tryConnect().finally(() => {
      this.connecting = null
    })
    return this.connecting
  }

  private async tryConnect(): Promise<boolean> {
    if (this.closed) return false
    try {
      await this.startListener()
      await this.options.onOnline?.()
      this.attempt = 0
      this.setState({ ...this.stateValue, status: 'online', error: null, offlineSince: null, retryAt: null })
      return true
    } catch (error) {
      // A schema that is too new is not an outage: no retry will fix it.
      if (error instanceof JobdeckError && error.code === 'conflict') {
        this.closed = true
        await this.stopListener()
        this.setState({ ...this.stateValue, status: 'offline', error: error.message, offlineSince: new Date().toISOString(), retryAt: null, refused: true })
        throw error
      }
      this.lost(error)
      return false
    }
  }

  private async startListener(): Promise<void> {
    await this.stopListener()
    const client = new pg.Client(clientConfig(this.options.config, this.options.password))
    client.on('error', (error) => this.lost(error))
    client.on('end', () => {
      if (this.listener === client && !this.closed) this.lost(new Error('Connection ended'))
    })
    client.on('notification', (message) => {
      if (message.channel === 'jobdeck') this.options.onNotify?.(message.payload ?? '')
    })
    this.listener = client
    await client.connect()
    await client.query('LISTEN jobdeck')
  }

  private async stopListener(): Promise<void> {
    const client = this.listener
    this.listener = null
    if (client) await client.end().catch(() => undefined)
  }

  /** The database became unreachable: announce it once and schedule reconnects. */
  lost(error: unknown): void {
    if (this.closed) return
    const message = describeError(error)
    const wasOffline = this.stateValue.status === 'offline'
    const offlineSince = wasOffline ? this.stateValue.offlineSince : new Date().toISOString()
    // One outage is noticed by many clients at once: it schedules one retry, one backoff step.
    if (this.retryTimer) {
      if (!wasOffline || this.stateValue.error !== message) this.setState({ ...this.stateValue, status: 'offline', error: message, offlineSince })
      return
    }
    const delay = this.nextDelay()
    this.setState({ ...this.stateValue, status: 'offline', error: message, offlineSince, retryAt: new Date(Date.now() + delay).toISOString() })
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      void this.connect().catch(() => undefined)
    }, delay)
  }

  private nextDelay(): number {
    const { baseMs, maxMs } = this.options.backoff ?? { baseMs: 500, maxMs: 30_000 }
    return backoffDelay({ baseMs, maxMs, jitter: true }, ++this.attempt)
  }

  /** A query that turns "unreachable" into `unavailable` and starts the reconnect cycle. */
  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    if (this.closed) throw new JobdeckError('unavailable', 'the shared database connection is closed')
    try {
      return await this.pool.query<R>(text, values)
    } catch (error) {
      throw this.translate(error)
    }
  }

  /** One client for a transaction; `fn` runs between BEGIN and COMMIT. */
  async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient
    try {
      client = await this.pool.connect()
    } catch (error) {
      throw this.translate(error)
    }
    try {
      await client.query('BEGIN')
      const result = await fn(client)
      await client.query('COMMIT')
      client.release()
      return result
    } catch (error) {
      const broken = isConnectionError(error)
      if (!broken) await client.query('ROLLBACK').catch(() => undefined)
      client.release(broken ? (error as Error) : undefined)
      throw this.translate(error)
    }
  }

  private translate(error: unknown): Error {
    if (error instanceof JobdeckError) return error
    if (isConnectionError(error)) {
      this.lost(error)
      return new JobdeckError(
        'unavailable',
        `the shared database ${this.stateValue.url} is unreachable (${describeError(error)}); Jobdeck keeps working from its cache and retries`,
      )
    }
    return error instanceof Error ? error : new Error(String(error))
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = null
    await this.stopListener()
    await this.pool.end().catch(() => undefined)
  }
}

export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describeError(error.errors[0])
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    const message = error.message || String(code ?? 'unknown error')
    return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message
  }
  return String(error)
}
