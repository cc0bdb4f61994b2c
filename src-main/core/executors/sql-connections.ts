// Connection pools for `sql` jobs: one pg.Pool per named connection (`connections:` in the config)
// plus one for the shared-mode `postgres:` database, created on first use and ended by close().
//
// The URL is read here rather than handed to pg as `connectionString`: pg lets every field parsed
// from a connection string override the explicit options, so a password from the keychain would be
// dropped. URL query parameters understood: host, port, user, application_name, options, sslmode.
import { readFile as fsReadFile } from 'node:fs/promises'
import type { ConnectionOptions } from 'node:tls'
import pg from 'pg'
import type { ConnectionConfig, PostgresConfig, TlsConfig } from '../../../src-shared/config-schema'
import { pgSecretKey, type SecretStore } from '../secrets/secret-store'

export interface SqlConnectionsOptions {
  connections: Record<string, ConnectionConfig>
  /** The shared-mode database: what a job without `connection:` runs against. */
  postgres?: PostgresConfig
  secrets: SecretStore
  /** Reads ssl.ca / cert / key files (default: fs). */
  readFile?: (path: string) => Promise<string | Buffer>
  /** An idle pooled connection failed (the server restarted, the network dropped it). */
  onPoolError?: (target: string, error: Error) => void
  /**
   * Pools for another purpose than `sql` jobs (the sources' mirror): their own application name,
   * a small pool, UTC session time and a statement timeout, and their own word in messages.
   */
  session?: { what: string; applicationName: string; poolSize: number; statementTimeoutMs: number }
}

/** Connections to the shared database opened for `sql` jobs, beside the store's own pool. */
const SHARED_DATABASE_POOL_SIZE = 4
const IDLE_TIMEOUT_MS = 30_000
const SUPPORTED_URL_PARAMS = ['host', 'port', 'user', 'application_name', 'options', 'sslmode']

interface Target {
  url: string
  ssl?: TlsConfig
  poolSize: number
  connectTimeout: number
  /** `"warehouse"` or `the shared postgres database`, for messages. */
  label: string
}

interface PoolEntry {
  pool: pg.Pool
  /** The keychain had no password when the pool was made: look again before the next use. */
  withoutStoredPassword: boolean
}

export class SqlConnections {
  private readonly pools = new Map<string, Promise<PoolEntry>>()
  private readonly retired = new Set<Promise<void>>()
  private closed = false

  constructor(private readonly options: SqlConnectionsOptions) {}

  private get what(): string {
    return this.options.session?.what ?? 'sql job'
  }

  /**
   * The pool of connection `name` (undefined: the shared `postgres:` database), made on first use.
   * Rejects with a message for operators when there is no such connection or its TLS files cannot
   * be read.
   */
  async pool(name?: string): Promise<pg.Pool> {
    if (this.closed) throw new Error(`${this.what}: the connection pools are closed (Jobdeck is shutting down)`)
    const target = this.target(name)
    const key = name ?? ''
    let pending = this.pools.get(key)
    if (pending === undefined) {
      pending = this.createPool(target)
      this.pools.set(key, pending)
      // A failure is not kept: the next run tries again (a CA file may have been put in place).
      pending.catch(() => {
        if (this.pools.get(key) === pending) this.pools.delete(key)
      })
    }
    const entry = await pending
    if (entry.withoutStoredPassword && (await this.storedPassword(target)) !== null) {
      // A password was saved (the app's Settings) since the pool was made without one.
      if (this.pools.get(key) === pending) {
        this.pools.delete(key)
        this.retire(entry.pool)
      }
      return this.pool(name)
    }
    return entry.pool
  }

  /** `"warehouse" (db.internal:5432/app)` or `the shared postgres database (...)`, for messages. */
  describe(name?: string): string {
    const target = this.target(name)
    return `${target.label} (${describeUrl(target.url)})`
  }

  /** Ends every pool; connections checked out by running statements end when released. */
  async close(): Promise<void> {
    this.closed = true
    const entries = [...this.pools.values()]
    this.pools.clear()
    const settled = await Promise.allSettled(entries)
    await Promise.allSettled([
      ...settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value.pool.end()] : [])),
      ...this.retired,
    ])
  }

  private target(name: string | undefined): Target {
    if (name === undefined) {
      const postgres = this.options.postgres
      if (!postgres) {
        throw new Error(
          `${this.what}: no connection given and no shared postgres database configured; ${declared(this.options.connections)}`,
        )
      }
      return {
        url: postgres.url,
        ssl: postgres.ssl,
        poolSize: Math.min(postgres.poolSize, SHARED_DATABASE_POOL_SIZE),
        connectTimeout: postgres.connectTimeout,
        label: 'the shared postgres database',
      }
    }
    const connection = Object.hasOwn(this.options.connections, name) ? this.options.connections[name] : undefined
    if (!connection) throw new Error(`${this.what}: no connection named "${name}"; ${declared(this.options.connections)}`)
    return { ...connection, label: `"${name}"` }
  }

  private async createPool(target: Target): Promise<PoolEntry> {
    const fields = parsePostgresUrl(target.url, target.label)
    const stored = fields.password === undefined ? await this.storedPassword(target) : null
    let password: pg.PoolConfig['password']
    if (fields.password !== undefined) {
      password = fields.password
    } else if (stored !== null) {
      // Read again at every new connection, so a changed password is used without a restart.
      let last = stored
      password = async () => {
        last = (await this.storedPassword(target).catch(() => null)) ?? last
        return last
      }
    }
    // Else undefined: the pg driver looks at PGPASSWORD and ~/.pgpass itself.
    const ssl = target.ssl !== undefined ? await this.tlsOptions(target.ssl, target.label) : fields.sslmode
    const session = this.options.session
    const pool = new pg.Pool({
      host: fields.host,
      port: fields.port,
      user: fields.user,
      database: fields.database,
      password,
      ssl,
      application_name: session?.applicationName ?? fields.applicationName,
      fallback_application_name: 'jobdeck',
      options: session ? [fields.options, '-c TimeZone=UTC'].filter(Boolean).join(' ') : fields.options,
      ...(session ? { statement_timeout: session.statementTimeoutMs } : {}),
      max: session?.poolSize ?? target.poolSize,
      connectionTimeoutMillis: target.connectTimeout,
      idleTimeoutMillis: IDLE_TIMEOUT_MS,
      keepAlive: true,
      allowExitOnIdle: true,
    })
    // An idle client's error (server restart, dropped connection) must never crash the process;
    // pg-pool has already removed that client.
    pool.on('error', (error) => this.options.onPoolError?.(target.label, error))
    return { pool, withoutStoredPassword: fields.password === undefined && stored === null }
  }

  private async storedPassword(target: Target): Promise<string | null> {
    try {
      return await this.options.secrets.get(pgSecretKey(target.url))
    } catch (error) {
      throw new Error(`${this.what}: could not read the password of ${target.label} from the keychain: ${messageOf(error)}`)
    }
  }

  private async tlsOptions(tls: TlsConfig, label: string): Promise<boolean | ConnectionOptions> {
    if (tls === false) return false
    if (tls === true) return { rejectUnauthorized: true }
    if ((tls.cert === undefined) !== (tls.key === undefined)) {
      throw new Error(`${this.what}: ${label}: ssl.cert and ssl.key go together (a client certificate needs its key)`)
    }
    const read = async (what: string, path: string | undefined): Promise<string | undefined> => {
      if (path === undefined) return undefined
      try {
        return String(await (this.options.readFile ?? fsReadFile)(path))
      } catch (error) {
        throw new Error(`${this.what}: ${label}: could not read ssl.${what} file ${path}: ${messageOf(error)}`)
      }
    }
    const [ca, cert, key] = await Promise.all([read('ca', tls.ca), read('cert', tls.cert), read('key', tls.key)])
    const options: ConnectionOptions = { rejectUnauthorized: tls.rejectUnauthorized }
    if (ca !== undefined) options.ca = ca
    if (cert !== undefined) options.cert = cert
    if (key !== undefined) options.key = key
    return options
  }

  private retire(pool: pg.Pool): void {
    const ending = pool.end().catch(() => {})
    this.retired.add(ending)
    void ending.finally(() => this.retired.delete(ending))
  }
}

function declared(connections: Record<string, ConnectionConfig>): string {
  const names = Object.keys(connections)
  return names.length === 0 ? 'the config declares no connections' : `the config declares: ${names.join(', ')}`
}

export interface PostgresUrlFields {
  host: string | undefined
  port: number | undefined
  user: string | undefined
  password: string | undefined
  database: string | undefined
  applicationName: string | undefined
  options: string | undefined
  /** From `?sslmode=`, as the pg driver maps it; undefined when absent. */
  sslmode: boolean | ConnectionOptions | undefined
}

/** The fields of a postgres:// URL; an unsupported query parameter is an error (never ignored). */
export function parsePostgresUrl(url: string, label = 'the connection'): PostgresUrlFields {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new Error(`sql job: ${label}: not a valid URL`)
  }
  for (const key of parsed.searchParams.keys()) {
    if (!SUPPORTED_URL_PARAMS.includes(key)) {
      throw new Error(
        `sql job: ${label}: the URL parameter "${key}" is not supported (supported: ${SUPPORTED_URL_PARAMS.join(', ')}; TLS goes under ssl:)`,
      )
    }
  }
  const param = (key: string): string | undefined => parsed.searchParams.get(key) ?? undefined
  const portText = param('port') ?? parsed.port
  const port = portText === '' ? undefined : Number(portText)
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    throw new Error(`sql job: ${label}: invalid port ${JSON.stringify(portText)}`)
  }
  const hostname = decodeURIComponent(parsed.hostname.replace(/^\[(.*)\]$/, '$1'))
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''))
  return {
    host: param('host') ?? (hostname || undefined),
    port,
    user: param('user') ?? (decodeURIComponent(parsed.username) || undefined),
    password: decodeURIComponent(parsed.password) || undefined,
    database: database || undefined,
    applicationName: param('application_name'),
    options: param('options'),
    sslmode: sslmodeOption(param('sslmode'), label),
  }
}

function sslmodeOption(mode: string | undefined, label: string): boolean | ConnectionOptions | undefined {
  switch (mode) {
    case undefined:
      return undefined
    case 'disable':
      return false
    // Like the pg driver (not libpq): every mode that uses TLS verifies the certificate.
    case 'prefer':
    case 'require':
    case 'verify-ca':
    case 'verify-full':
      return { rejectUnauthorized: true }
    case 'no-verify':
      return { rejectUnauthorized: false }
    default:
      throw new Error(`sql job: ${label}: unknown sslmode "${mode}"`)
  }
}

/** `host:port/database` of a URL, without user or password. */
export function describeUrl(url: string): string {
  try {
    const fields = parsePostgresUrl(url)
    const host = fields.host ?? 'localhost'
    return `${host}:${fields.port ?? 5432}/${fields.database ?? ''}`
  } catch {
    return 'an invalid URL'
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
