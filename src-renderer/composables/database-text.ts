// How the shared database connection reads in the window: the status strip's item, the offline
// banner, and the Settings form (URL checked as the operator types, a test result in words).
// Plain functions over the API's DatabaseState / ConnectionTestResult, testable without a DOM.
import type { DatabaseState, ConnectionTestResult } from '../../src-shared/connection'
import { clockTime } from '../format'

/** The parts of a postgres:// URL, without decoding. */
export interface PgUrlParts {
  scheme: 'postgres' | 'postgresql'
  user: string | null
  password: string | null
  host: string
  port: string | null
  database: string | null
  /** `?sslmode=…&host=/run/postgresql` without the `?`. */
  query: string
}

const URL_SHAPE = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?(#.*)?$/i

/**
 * Splits a PostgreSQL URL by hand: browsers before Chromium 130 do not parse the host of
 * non-special schemes like postgres://, so `new URL` is not used here.
 */
export function parsePgUrl(text: string): { ok: true; parts: PgUrlParts } | { ok: false; problem: string } {
  const value = text.trim()
  const example = 'postgres://user@host:5432/jobdeck'
  if (value === '') return { ok: false, problem: `Enter the database URL, like ${example}` }
  const match = URL_SHAPE.exec(value)
  if (!match) {
    return { ok: false, problem: `Not a URL: expected ${example}` }
  }
  const scheme = (match[1] ?? '').toLowerCase()
  if (scheme !== 'postgres' && scheme !== 'postgresql') {
    return { ok: false, problem: `Starts with ${scheme}://: a PostgreSQL URL starts with postgres:// or postgresql://` }
  }
  if (match[5]) return { ok: false, problem: 'Remove the #… part: a database URL has no fragment' }
  const authority = match[2] ?? ''
  const at = authority.lastIndexOf('@')
  const userInfo = at >= 0 ? authority.slice(0, at) : null
  const hostPort = at >= 0 ? authority.slice(at + 1) : authority
  const colon = userInfo === null ? -1 : userInfo.indexOf(':')
  const user = userInfo === null ? null : colon >= 0 ? userInfo.slice(0, colon) : userInfo
  const password = userInfo === null || colon < 0 ? null : userInfo.slice(colon + 1)
  const hostMatch = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(hostPort)
  const host = hostMatch?.[1] ?? ''
  const port = hostMatch?.[2] ?? null
  const query = match[4] ?? ''
  if (/\s/.test(authority)) return { ok: false, problem: 'Remove the spaces: user, host and port contain none' }
  if (host === '' && !new URLSearchParams(query).has('host')) {
    return { ok: false, problem: `Name the server after //: ${example}` }
  }
  if (port !== null && (!/^\d{1,5}$/.test(port) || Number(port) > 65_535)) {
    return { ok: false, problem: `The port must be a number from 1 to 65535, got "${port}"` }
  }
  const path = match[3] ?? ''
  const database = path.length > 1 ? path.slice(1) : null
  if (database !== null && database.includes('/')) {
    return { ok: false, problem: `Only one database name after the host, got "${database}"` }
  }
  return { ok: true, parts: { scheme, user, password, host, port, database, query } }
}

/** The URL with any password taken out (for pre-filling the form from the state's redacted URL). */
export function withoutPassword(text: string): string {
  const parsed = parsePgUrl(text)
  if (!parsed.ok) return text
  const p = parsed.parts
  const user = p.user === null ? '' : `${p.user}@`
  return `${p.scheme}://${user}${p.host}${p.port === null ? '' : `:${p.port}`}${p.database === null ? '' : `/${p.database}`}${p.query ? `?${p.query}` : ''}`
}

/** `host:5432/jobdeck` for short mentions. */
export function shortPgUrl(text: string | null): string {
  if (!text) return 'the shared database'
  const parsed = parsePgUrl(text)
  if (!parsed.ok) return text
  const p = parsed.parts
  return `${p.host || 'local socket'}${p.port === null ? '' : `:${p.port}`}${p.database === null ? '' : `/${p.database}`}`
}

export const SOURCE_WORDS: Record<NonNullable<DatabaseState['source']>, string> = {
  flag: 'the --pg flag',
  env: 'JOBDECK_PG_URL',
  config: 'the config file (postgres.url)',
}

/** The status strip's connection item for the database (the transport is handled by the strip). */
export function databaseStripItem(state: DatabaseState): { label: string; tone: 'local' | 'online' | 'connecting' | 'offline'; title: string } {
  const where = shortPgUrl(state.url)
  if (state.mode === 'local') {
    return { label: 'Local', tone: 'local', title: 'Local mode: the queue and history are in this machine’s SQLite. Settings → Database to share them.' }
  }
  switch (state.status) {
    case 'online':
      return {
        label: 'Shared',
        tone: 'online',
        title: `Shared mode: queue and history in ${where}${state.lastSyncAt ? `, cache synced ${clockTime(state.lastSyncAt)}` : ''}`,
      }
    case 'offline':
      return {
        label: `Shared · offline${state.offlineSince ? ` since ${clockTime(state.offlineSince)}` : ''}`,
        tone: 'offline',
        title: `${where} is unreachable${state.error ? ` (${state.error})` : ''}: showing cached history; results are kept here and sent when it is back`,
      }
    default:
      return { label: 'Shared · connecting…', tone: 'connecting', title: `Connecting to ${where}…` }
  }
}

/** The offline banner's sentence, in parts. */
export interface BannerText {
  headline: string
  cache: string
  outbox: string | null
  retry: string | null
}

export function offlineBanner(state: DatabaseState, now: number): BannerText {
  const headline = `Shared database offline${state.offlineSince ? ` since ${clockTime(state.offlineSince)}` : ''}`
  const cache = state.lastSyncAt
    ? `showing cached history, last synced ${clockTime(state.lastSyncAt)}`
    : 'showing what this machine has cached; it has never synced with the database'
  const n = state.outboxPending
  const outbox = n > 0 ? `${n} change${n === 1 ? '' : 's'} made here ${n === 1 ? 'waits' : 'wait'} to be sent.` : null
  let retry: string | null = null
  if (state.retryAt) {
    const at = Date.parse(state.retryAt)
    retry = Number.isFinite(at) && at > now ? `Retrying at ${clockTime(at)}.` : 'Retrying now…'
  }
  return { headline, cache, outbox, retry }
}

/** What to try for a connection error, by what the error says. */
export function connectionHint(error: string): string {
  if (/ECONNREFUSED|connection refused/i.test(error)) {
    return 'Nothing accepts connections at that host and port: check that PostgreSQL runs there and that the port is right.'
  }
  if (/ENOTFOUND|EAI_AGAIN|getaddrinfo/i.test(error)) return 'The host name does not resolve: check its spelling, or use the IP address.'
  if (/password authentication failed|no password supplied|empty password|28P01|SASL|authentication/i.test(error)) {
    return 'Check the user name and password (the password field, PGPASSWORD or ~/.pgpass).'
  }
  if (/database ".*" does not exist/i.test(error)) return 'Create the database first (createdb), or correct its name after the last / of the URL.'
  if (/role ".*" does not exist/i.test(error)) return 'Correct the user name before the @, or create that role on the server.'
  if (/pg_hba|no pg_hba.conf entry/i.test(error)) return 'The server refuses this machine: add it to pg_hba.conf on the server.'
  if (/timeout|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH/i.test(error)) {
    return 'No answer in time: the host may be wrong, down, or behind a firewall that drops the traffic.'
  }
  if (/Connection ended|Connection terminated|ECONNRESET|EPIPE/i.test(error)) {
    return 'The connection dropped: the server may have restarted, or the network between here and it failed. Check that it is up and reachable from here.'
  }
  if (/SSL|TLS|certificate/i.test(error)) return 'Check the TLS settings: sslmode in the URL, or postgres.ssl in the config file.'
  if (/newer than this Jobdeck/i.test(error)) return 'Upgrade this Jobdeck to the version the other instances run.'
  return 'Check the URL, that the server is up, and that this machine may connect to it.'
}

/** The Settings test button's result in words. */
export interface TestText {
  ok: boolean
  headline: string
  facts: string[]
  error: string | null
  hint: string | null
}

export function describeTestResult(result: ConnectionTestResult): TestText {
  const facts: string[] = []
  if (result.serverVersion) facts.push(result.serverVersion)
  if (result.latencyMs !== null) facts.push(`${result.latencyMs} ms`)
  if (result.serverVersion) {
    const known = result.knownSchemaVersion
    if (result.schemaVersion === null) facts.push(`no Jobdeck schema yet: created on the first start in shared mode (version ${known})`)
    else if (result.schemaVersion === known) facts.push(`Jobdeck schema version ${result.schemaVersion}, as this build expects`)
    else if (result.schemaVersion < known) facts.push(`Jobdeck schema version ${result.schemaVersion}: upgraded to ${known} on the first start`)
    else facts.push(`Jobdeck schema version ${result.schemaVersion}; this build knows ${known}`)
  }
  if (result.ok) return { ok: true, headline: 'Connected', facts, error: null, hint: null }
  const error = result.error ?? 'no reason given'
  return {
    ok: false,
    headline: result.serverVersion ? 'Reached the server, but this database cannot be used' : 'Could not connect',
    facts,
    error,
    hint: connectionHint(error),
  }
}
