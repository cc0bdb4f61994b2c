// Which PostgreSQL password may go to which server. Every password the operator configured
// belongs to one server, port and user: the URL from --pg / JOBDECK_PG_URL with the password in
// it, the keychain's password handed over by the app, PGPASSWORD (for the database Jobdeck is
// configured with), ~/.pgpass (per line). connection.test takes any URL a caller names, so it asks
// here, with the server the driver is really about to authenticate to, and gets a password only
// for that one: a test against another server must come with its own password.
import pg from 'pg'
import { pgpassPassword, type PgTarget, type PgpassOptions } from './pgpass'

export type { PgTarget }

export interface PgCredentials {
  /** The password configured for exactly this server, port, user (and, for ~/.pgpass, database). */
  passwordFor(target: PgTarget): string | undefined
}

/** Where the pg driver connects for `url` (its own parsing: `?host=`/`?port=`/`?user=` win, PG* env fills gaps). */
export function driverTarget(url: string | null): PgTarget {
  const client = new pg.Client(url === null ? {} : { connectionString: url })
  return { host: client.host, port: client.port, user: client.user ?? '', database: client.database ?? '' }
}

export function sameServer(a: PgTarget, b: PgTarget): boolean {
  return a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port && a.user === b.user
}

export interface ConfiguredCredentials extends PgpassOptions {
  /** The shared-mode URL (from --pg, JOBDECK_PG_URL or postgres.url); null in local mode. */
  url: string | null
  /** The keychain's password for that URL, handed over by the desktop app. */
  password?: string
}

/**
 * The passwords of this Jobdeck's configuration. PGPASSWORD belongs to the shared database when
 * one is configured, else to the server libpq's own variables name (PGHOST/PGPORT/PGUSER).
 */
export function configuredPgCredentials(options: ConfiguredCredentials): PgCredentials {
  const env = options.env ?? process.env
  let bound: { target: PgTarget; password: string } | null | undefined
  const configured = (): { target: PgTarget; password: string } | null => {
    if (bound !== undefined) return bound
    const inUrl = options.url === null ? '' : urlPassword(options.url)
    const password = inUrl || options.password || env.PGPASSWORD || ''
    bound = password === '' ? null : { target: driverTarget(options.url), password }
    return bound
  }
  return {
    passwordFor(target) {
      const own = configured()
      if (own && sameServer(own.target, target)) return own.password
      return pgpassPassword(target, options)
    },
  }
}

function urlPassword(url: string): string {
  try {
    const parsed = new URL(url)
    return decodeURIComponent(parsed.password) || (parsed.searchParams.get('password') ?? '')
  } catch {
    return ''
  }
}
