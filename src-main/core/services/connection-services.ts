// The connection part of the API: the state of the shared database, a test that changes nothing,
// and saving the URL into the config file (never the password: that goes to the secret store).
// The secret store is a port: the desktop keychain (reached from the engine process through its
// parent, engine/secret-port.ts), or none headless.
import fs from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import { parseDocument } from 'yaml'
import type { ApiResults, JobdeckApi } from '../../../src-shared/api'
import type { DatabaseState, ConnectionTestResult } from '../../../src-shared/connection'
import { JobdeckError } from '../../../src-shared/errors'
import { echo } from '../../../src-shared/redact'
import type { ConfigManager } from '../config/config-manager'
import { formatConfigError, parseConfigText } from '../config/load-config'
import { configuredPgCredentials, type PgCredentials, type PgTarget } from '../secrets/pg-credentials'
import { NoSecretStore, pgSecretKey, type SecretStore } from '../secrets/secret-store'
import { describeError, redactUrl } from '../store/postgres/pg-connection'
import { PG_SCHEMA_VERSION, pgSchemaVersion } from '../store/postgres/pg-schema'
import type { SharedLink } from '../sync/shared-link'

export interface ConnectionServiceDeps {
  config: ConfigManager
  link: SharedLink | null
  connection: () => DatabaseState
  /** Where a password is kept (the desktop keychain); none headless, where passwords come from PGPASSWORD or ~/.pgpass. */
  secrets?: SecretStore
  /** The configured passwords, each for its own server; default: PGPASSWORD and ~/.pgpass as libpq binds them. */
  credentials?: PgCredentials
}

function checkedUrl(text: string, field: string): URL {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new JobdeckError('invalid_input', `${field}: expected a URL like postgres://user@host:5432/jobdeck, got ${echo(text)}`)
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new JobdeckError('invalid_input', `${field}: expected a postgres:// URL, got ${url.protocol}//`)
  }
  // The driver and the keychain key decode these; a stray % made an internal error there.
  for (const [part, value] of [['user name', url.username], ['password', url.password]] as const) {
    try {
      decodeURIComponent(value)
    } catch {
      throw new JobdeckError('invalid_input', `${field}: the ${part} in the URL is not valid percent-encoding (write a % as %25)`)
    }
  }
  return url
}

/** A lone UTF-16 surrogate cannot be sent or stored as UTF-8; encodeURIComponent threw on it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

function checkedPassword(password: string | undefined, field: string): string | undefined {
  if (password !== undefined && LONE_SURROGATE.test(password)) {
    throw new JobdeckError('invalid_input', `${field}: expected text, got a broken character (a lone UTF-16 surrogate)`)
  }
  return password
}

type ConnectionApi = Pick<JobdeckApi, 'connection.get' | 'connection.test' | 'connection.save'>

/** The server asked for a password and none was given or configured for it. */
class NoPasswordError extends Error {}

/** The caller's own password: typed beside the URL, into it, or as its `?password=`. */
function callerPassword(url: URL, typed: string | undefined): string {
  if (typed) return typed
  try {
    return decodeURIComponent(url.password) || (url.searchParams.get('password') ?? '')
  } catch {
    return url.password
  }
}

/**
 * Has the client ask `resolve` for its password when the server requests one, with the server it
 * really connected to. pg takes such a resolver in its config, but there a connection string's
 * (empty) password replaces it; set on the client, it stays.
 */
function passwordOnRequest(client: pg.Client, resolve: (target: PgTarget) => string): void {
  const resolver = (params: { host: string; port: number; user?: string; database?: string }): string =>
    resolve({ host: params.host, port: params.port, user: params.user ?? '', database: params.database ?? '' })
  Object.defineProperty(client, 'password', { value: resolver, writable: true, configurable: true, enumerable: false })
}

/** The desktop's refusals to keep a password: said before anything changes. */
const NO_ENCRYPTED_STORAGE = 'this system offers no encrypted storage for the password; save the URL without it and use PGPASSWORD or ~/.pgpass'
const INSECURE_STORAGE =
  'the OS offers no secure password storage here (Linux safeStorage `basic_text`): a stored password could be read by anyone who can read your files. Choose explicitly to store it anyway, or leave it out and use PGPASSWORD or ~/.pgpass'

export function connectionServices(deps: ConnectionServiceDeps): ConnectionApi {
  const headless = deps.secrets === undefined
  const secrets = deps.secrets ?? new NoSecretStore()
  const credentials = deps.credentials ?? configuredPgCredentials({ url: null })
  return {
    async 'connection.get'() {
      return deps.connection()
    },

    async 'connection.test'(args) {
      const url = checkedUrl(args.url, 'connection.test url')
      const typed = callerPassword(url, checkedPassword(args.password, 'connection.test password'))
      url.password = ''
      url.searchParams.delete('password')
      // Else the password kept for exactly this server, database and user (pgSecretKey reads the URL as the driver does).
      const own = typed || ((await secrets.get(pgSecretKey(url.toString())).catch(() => null)) ?? '')
      const started = performance.now()
      const failed = (why: string): ConnectionTestResult => ({
        ok: false,
        serverVersion: null,
        latencyMs: null,
        schemaVersion: null,
        knownSchemaVersion: PG_SCHEMA_VERSION,
        error: why,
      })
      let client: pg.Client
      try {
        // The driver reads options of the URL here (sslcert=… files among them) and throws.
        client = new pg.Client({
          connectionString: url.toString(),
          connectionTimeoutMillis: 5_000,
          query_timeout: 5_000,
          application_name: 'jobdeck-test',
        })
      } catch (error) {
        return failed(`cannot use ${redactUrl(url.toString())}: ${describeError(error)}`)
      }
      // Never the driver's own fallback (PGPASSWORD, whichever server this is): a configured
      // password goes only to the server it is configured for.
      passwordOnRequest(client, (target) => {
        const password = own || credentials.passwordFor(target)
        if (password) return password
        throw new NoPasswordError(
          `the server asks for a password and none is configured for ${target.user}@${target.host}:${target.port}; ` +
            'type it beside the URL (a stored password is only ever sent to the server it was saved for)',
        )
      })
      client.on('error', () => undefined)
      try {
        await client.connect()
        const { rows } = await client.query<{ version: string }>(`SELECT 'PostgreSQL ' || current_setting('server_version') AS version`)
        const schemaVersion = await pgSchemaVersion(client)
        const tooNew = schemaVersion !== null && schemaVersion > PG_SCHEMA_VERSION
        return {
          ok: !tooNew,
          serverVersion: rows[0]?.version ?? null,
          latencyMs: Math.round(performance.now() - started),
          schemaVersion,
          knownSchemaVersion: PG_SCHEMA_VERSION,
          error: tooNew
            ? `the database has Jobdeck schema version ${schemaVersion}, newer than this Jobdeck understands (${PG_SCHEMA_VERSION}); upgrade Jobdeck first`
            : null,
        }
      } catch (error) {
        return failed(
          error instanceof NoPasswordError
            ? `${redactUrl(url.toString())}: ${error.message}`
            : `could not reach ${redactUrl(url.toString())}: ${describeError(error)}`,
        )
      } finally {
        await client.end().catch(() => undefined)
      }
    },

    async 'connection.save'(args): Promise<ApiResults['connection.save']> {
      let url: string | null = null
      let password = checkedPassword(args.password, 'connection.save password')
      if (args.url !== null) {
        const parsed = checkedUrl(args.url, 'connection.save url')
        // A password typed into the URL is treated as the password: it never reaches the file.
        if (parsed.password) {
          password ??= decodeURIComponent(parsed.password)
          parsed.password = ''
        }
        url = parsed.toString()
      }
      // Given a keychain, an empty password removes the one kept for the URL.
      const keep = url !== null && password !== undefined && (password !== '' || !headless) ? password : undefined
      if (keep !== undefined && keep !== '') {
        // Refused before anything changes: a password that cannot be kept must not half-save the connection.
        const protection = secrets.protection()
        if (headless) {
          throw new JobdeckError(
            'unavailable',
            'this Jobdeck has no keychain to keep the password in (it runs headless); leave the password empty and set PGPASSWORD or ~/.pgpass on this machine',
          )
        }
        if (protection === 'none') throw new JobdeckError('invalid_input', NO_ENCRYPTED_STORAGE)
        if (protection === 'insecure' && !args.allowInsecure) throw new JobdeckError('invalid_input', INSECURE_STORAGE)
      }
      writePostgresUrl(deps.config.path, url)
      deps.config.reload()
      let passwordResult: ApiResults['connection.save']['password'] = 'not-given'
      if (url !== null && keep !== undefined) {
        try {
          if (keep === '') await secrets.delete(pgSecretKey(url))
          else await secrets.set(pgSecretKey(url), keep, { allowInsecure: args.allowInsecure })
        } catch (error) {
          throw new JobdeckError('internal', `the URL was saved but the password could not be stored: ${(error as Error).message}`)
        }
        passwordResult = keep === '' ? 'removed' : 'stored'
      }
      const current = deps.link?.state.url ?? null
      const wanted = url === null ? null : redactUrl(url)
      // The engine keeps the password it was started with: a new one takes effect at the next start.
      return { path: deps.config.path, restartRequired: current !== wanted || passwordResult !== 'not-given', password: passwordResult }
    },
  }
}

/** Sets (or removes) `postgres.url` in the config file, keeping its comments; refuses to write a broken file. */
export function writePostgresUrl(file: string, url: string | null): void {
  const text = fs.readFileSync(file, 'utf8')
  const doc = parseDocument(text)
  if (doc.errors.length > 0) {
    throw new JobdeckError('config_invalid', `${file} cannot be parsed, so it was not changed: ${doc.errors[0]?.message ?? ''}`)
  }
  if (url === null) {
    // Already local mode: nothing to remove, and the file is left exactly as it is.
    if (!doc.hasIn(['postgres', 'url'])) return
    doc.deleteIn(['postgres', 'url'])
  } else {
    doc.setIn(['postgres', 'url'], url)
  }
  const postgres = doc.getIn(['postgres']) as { items?: unknown[] } | undefined
  if (url === null && postgres?.items?.length === 0) doc.deleteIn(['postgres'])
  const next = doc.toString()
  const check = parseConfigText(next, file)
  if (!check.ok) {
    throw new JobdeckError(
      'config_invalid',
      `saving the connection would leave ${file} invalid, so it was not changed:\n${check.errors.map(formatConfigError).join('\n')}`,
    )
  }
  replaceFileKeepingMode(file, next)
}

/**
 * Writes `text` to a temporary file beside `file` with `file`'s own mode (a 0600 config stays
 * 0600), flushes it, then renames it over `file`: a reader sees the old file or the new one,
 * never half of one.
 */
export function replaceFileKeepingMode(file: string, text: string): void {
  const mode = fs.statSync(file).mode & 0o7777
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`)
  fs.rmSync(temp, { force: true })
  // O_EXCL: never written through a file (or symlink) someone else put at that name.
  const fd = fs.openSync(temp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, mode)
  try {
    fs.writeFileSync(fd, text)
    // The umask may have taken bits away; the copy gets exactly the original's.
    if (process.platform !== 'win32') fs.fchmodSync(fd, mode)
    fs.fsyncSync(fd)
  } catch (error) {
    fs.closeSync(fd)
    fs.rmSync(temp, { force: true })
    throw error
  }
  fs.closeSync(fd)
  fs.renameSync(temp, file)
}
