// Local or shared mode, and the state of the shared database connection as the views show it
// (`DatabaseState`; the window's own link to the engine is the renderer's `LinkState`).

export type DatabaseStatus =
  /** No PostgreSQL configured: queue and history are this machine's SQLite. */
  | 'local'
  | 'connecting'
  | 'online'
  /** Shared mode with the database unreachable: cached history, results kept in the outbox. */
  | 'offline'

export interface DatabaseState {
  mode: 'local' | 'shared'
  status: DatabaseStatus
  /** The database URL without its password (shared mode). */
  url: string | null
  /** Where the URL came from: the --pg flag, JOBDECK_PG_URL, or the config file. */
  source: 'flag' | 'env' | 'config' | null
  /** Why the last attempt failed (offline), in the server's or the network's words. */
  error: string | null
  /** ISO-8601: when the connection was lost (offline). */
  offlineSince: string | null
  /** ISO-8601: when the local history cache last caught up with the database. */
  lastSyncAt: string | null
  /** Results and enqueues made while offline, waiting to be pushed. */
  outboxPending: number
  /** The next reconnect attempt (offline), ISO-8601. */
  retryAt: string | null
  /** This instance will not use the database at all (its schema is newer than this build knows). */
  refused?: boolean
}

export interface ConnectionTestResult {
  ok: boolean
  /** e.g. `PostgreSQL 15.8`. */
  serverVersion: string | null
  latencyMs: number | null
  /** The Jobdeck schema version found in the database; null when not yet created. */
  schemaVersion: number | null
  /** The schema version this build knows. */
  knownSchemaVersion: number
  error: string | null
}

/** State of one host's circuit breaker for `http` jobs. */
export interface BreakerState {
  host: string
  state: 'closed' | 'open' | 'half-open'
  /** Consecutive failures counted. */
  failures: number
  /** ISO-8601: when it opened (open / half-open). */
  openedAt: string | null
}

/** The state of an instance without a shared database. */
export const LOCAL_DATABASE: DatabaseState = {
  mode: 'local',
  status: 'local',
  url: null,
  source: null,
  error: null,
  offlineSince: null,
  lastSyncAt: null,
  outboxPending: 0,
  retryAt: null,
}
