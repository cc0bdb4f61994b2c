// The port through which Jobdeck keeps secrets (the PostgreSQL password). The core never writes a
// password to the config file: the CLI finds it in the environment (the URL in JOBDECK_PG_URL or
// --pg, PGPASSWORD, ~/.pgpass — the last two read by the pg driver itself); the desktop app
// implements this port with the OS keychain (Electron safeStorage) in the main process.

/** How well a store protects what it keeps. */
export type SecretProtection =
  /** An OS keychain or equivalent. */
  | 'secure'
  /** Stored, but readable by anyone who can read the user's files (Linux safeStorage `basic_text`). */
  | 'insecure'
  /** This store cannot keep secrets at all. */
  | 'none'

export interface SecretStore {
  protection(): SecretProtection
  get(key: string): Promise<string | null>
  /** Whether something is stored under `key`, readable or not (a reset keyring leaves it unreadable). */
  has(key: string): Promise<boolean>
  /** Refuses an `insecure` store unless the operator explicitly allowed it. */
  set(key: string, value: string, options?: { allowInsecure?: boolean }): Promise<void>
  delete(key: string): Promise<void>
}

/**
 * The key a PostgreSQL password is kept under: one per server, database and user, named as the pg
 * driver reads the URL, where `?host=`, `?port=` and `?user=` beat the URL's own parts. A URL that
 * points the driver elsewhere with them so gets another key, never the password of the server it
 * seems to name.
 */
export function pgSecretKey(url: string): string {
  const parsed = new URL(url)
  const query = (name: string): string | null => parsed.searchParams.get(name) || null
  const user = query('user') ?? (decodeURIComponent(parsed.username) || process.env.PGUSER || 'postgres')
  const host = query('host') ?? parsed.hostname
  const port = query('port') ?? (parsed.port || '5432')
  return `postgres:${user}@${host}:${port}${parsed.pathname || '/'}`
}

/** No keychain (CLI, headless server): every secret comes from the environment. */
export class NoSecretStore implements SecretStore {
  protection(): SecretProtection {
    return 'none'
  }
  async get(): Promise<string | null> {
    return null
  }
  async has(): Promise<boolean> {
    return false
  }
  async set(): Promise<void> {
    throw new Error('this Jobdeck has no keychain to store a password in; set PGPASSWORD or use ~/.pgpass instead')
  }
  async delete(): Promise<void> {}
}

/** A store in memory (tests, and the engine process handed a password by the app). */
export class MemorySecretStore implements SecretStore {
  private readonly values = new Map<string, string>()
  constructor(private readonly level: SecretProtection = 'secure') {}
  protection(): SecretProtection {
    return this.level
  }
  async get(key: string): Promise<string | null> {
    return this.values.get(key) ?? null
  }
  async has(key: string): Promise<boolean> {
    return this.values.has(key)
  }
  async set(key: string, value: string, options: { allowInsecure?: boolean } = {}): Promise<void> {
    if (this.level === 'none') throw new Error('this store cannot keep secrets')
    if (this.level === 'insecure' && !options.allowInsecure) {
      throw new Error('the OS offers no secure storage here; storing the password needs an explicit choice')
    }
    this.values.set(key, value)
  }
  async delete(key: string): Promise<void> {
    this.values.delete(key)
  }
}
