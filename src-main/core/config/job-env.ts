// What a job inherits from the engine's environment: everything but the engine's own credentials.
// A job that needs a database gets it from its type's `env:` or a `connections:` name, never by
// inheritance, so one careless `env | curl` in a job cannot carry the queue's password away.
//
// PGPASSFILE (and PGSERVICEFILE) stay: they only name files, which a job running as the same user
// can read anyway (libpq falls back to ~/.pgpass without them); removing them would break jobs that
// use psql with the operator's own setup and protect nothing.

/** The engine's connection and key variables: read by the engine, never handed to a job. */
export const ENGINE_ONLY_VARIABLES: ReadonlySet<string> = new Set([
  /** The shared database URL, possibly with its password. */
  'JOBDECK_PG_URL',
  'PGPASSWORD',
  /** The key of `secret: true` params in shared mode. */
  'JOBDECK_SECRET_KEY',
  /** The same key as the desktop app hands it to its engine process from the keychain. */
  'JOBDECK_APP_SECRET_KEY',
])

/** The engine's environment without its own credentials (names compared case-insensitively, as Windows does). */
export function inheritedJobEnv(baseEnv: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(baseEnv)) {
    if (value !== undefined && !ENGINE_ONLY_VARIABLES.has(key.toUpperCase())) env[key] = value
  }
  return env
}
