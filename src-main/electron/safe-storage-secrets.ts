// The secret port (src-main/core/secrets/secret-store.ts) over Electron's safeStorage: values are
// encrypted by the OS keychain (macOS Keychain, Windows DPAPI, Linux libsecret / KWallet) and the
// ciphertext is kept, base64, in <userData>/secrets.json (mode 0600). On Linux without a keychain
// safeStorage falls back to `basic_text`, a key anyone reading the user's files can recover: that
// is `insecure`, and storing then needs the operator's explicit `allowInsecure`.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { SafeStorage } from 'electron'
import type { SecretStorageState } from '../../src-shared/desktop'
import type { SecretProtection, SecretStore } from '../core/secrets/secret-store'

export const SECRETS_FILE = 'secrets.json'

/** The parts of Electron's safeStorage used here (a fake in tests). */
export type SafeStorageLike = Pick<SafeStorage, 'isAsyncEncryptionAvailable' | 'encryptStringAsync' | 'decryptStringAsync' | 'getSelectedStorageBackend'>

interface StoredSecret {
  /** base64 of safeStorage's ciphertext */
  value: string
  /** Linux backend it was encrypted with, for the operator reading the file. */
  backend: string | null
  storedAt: string
}

interface SecretsFile {
  version: 1
  secrets: Record<string, StoredSecret>
}

export interface SecretsFs {
  read(file: string): string | null
  write(file: string, text: string): void
}

const nodeFs: SecretsFs = {
  read(file) {
    try {
      return readFileSync(file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw error
    }
  },
  write(file, text) {
    // The folder of the keychain's ciphertext is the user's alone, as the data dir is.
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
    const temporary = `${file}.${process.pid}.tmp`
    writeFileSync(temporary, text, { mode: 0o600 })
    renameSync(temporary, file)
  },
}

/** Refused because the store is not secure and the operator did not accept that. */
export class InsecureSecretStoreError extends Error {
  constructor(backend: string | null) {
    super(
      `the OS offers no secure password storage here${backend ? ` (safeStorage backend: ${backend})` : ''}: ` +
        'the password would be readable by anyone who can read your files. Store it anyway only by choosing so explicitly, ' +
        'or leave it out and use PGPASSWORD or ~/.pgpass',
    )
    this.name = 'InsecureSecretStoreError'
  }
}

export interface SafeStorageSecretsOptions {
  safeStorage: SafeStorageLike
  /** <userData>/secrets.json */
  file: string
  platform?: NodeJS.Platform
  fs?: SecretsFs
  log?: (line: string) => void
}

export class SafeStorageSecrets implements SecretStore {
  private readonly platform: NodeJS.Platform
  private readonly fs: SecretsFs
  private readonly log: (line: string) => void
  /** Known once safeStorage answered; until then the store counts as unavailable. */
  private available = false
  /** safeStorage's answer (on Linux it may wait for the keyring to be unlocked). */
  private readonly check: Promise<boolean>

  private constructor(private readonly options: SafeStorageSecretsOptions) {
    this.platform = options.platform ?? process.platform
    this.fs = options.fs ?? nodeFs
    this.log = options.log ?? ((line) => console.warn(`jobdeck: ${line}`))
    this.check = Promise.resolve()
      .then(() => options.safeStorage.isAsyncEncryptionAvailable())
      .catch(() => false)
      .then((available) => (this.available = available))
  }

  /**
   * After app `ready` (safeStorage answers only then). Waits for safeStorage at most `waitMs`: a
   * keyring waiting to be unlocked must not hold up the app; get/set wait for it.
   */
  static async open(options: SafeStorageSecretsOptions & { waitMs?: number }): Promise<SafeStorageSecrets> {
    const store = new SafeStorageSecrets(options)
    let timer: ReturnType<typeof setTimeout> | undefined
    await Promise.race([store.check, new Promise<void>((resolve) => (timer = setTimeout(resolve, options.waitMs ?? 5_000)))])
    clearTimeout(timer)
    return store
  }

  static inDir(userData: string, safeStorage: SafeStorageLike): Promise<SafeStorageSecrets> {
    return SafeStorageSecrets.open({ safeStorage, file: join(userData, SECRETS_FILE) })
  }

  /** Linux's safeStorage backend; null elsewhere. */
  backend(): string | null {
    return this.platform === 'linux' ? this.options.safeStorage.getSelectedStorageBackend() : null
  }

  protection(): SecretProtection {
    if (!this.available) return 'none'
    if (this.platform !== 'linux') return 'secure'
    const backend = this.backend()
    // `unknown` only before ready; treated as not secure rather than assumed to be.
    return backend === 'basic_text' || backend === 'unknown' ? 'insecure' : 'secure'
  }

  /** What Settings says about where a password goes. */
  state(): SecretStorageState {
    const protection = this.protection()
    const backend = this.backend()
    const where =
      this.platform === 'darwin'
        ? 'the macOS Keychain'
        : this.platform === 'win32'
          ? 'Windows (DPAPI, tied to your user account)'
          : `the desktop keyring (${backend ?? 'unknown'})`
    const summary =
      protection === 'secure'
        ? `Passwords are encrypted with ${where}.`
        : protection === 'insecure'
          ? `No secure keyring was found (safeStorage backend: ${backend ?? 'unknown'}): a stored password could be read by anyone who can read your files. Storing one needs your explicit choice; PGPASSWORD or ~/.pgpass work instead.`
          : 'This system offers no encrypted storage to Jobdeck: passwords cannot be stored; use PGPASSWORD or ~/.pgpass.'
    return { protection, backend, summary }
  }

  async get(key: string): Promise<string | null> {
    const entry = this.read().secrets[key]
    if (!entry || !(await this.check)) return null
    try {
      const { result } = await this.options.safeStorage.decryptStringAsync(Buffer.from(entry.value, 'base64'))
      return result
    } catch (error) {
      // E.g. the keyring was reset: the stored value is unusable, the operator enters it again.
      this.log(`could not decrypt the stored secret ${key}: ${(error as Error).message}`)
      return null
    }
  }

  async has(key: string): Promise<boolean> {
    return key in this.read().secrets
  }

  async set(key: string, value: string, options: { allowInsecure?: boolean } = {}): Promise<void> {
    await this.check
    const protection = this.protection()
    if (protection === 'none') throw new Error('this system offers no encrypted storage: the password cannot be stored; use PGPASSWORD or ~/.pgpass')
    if (protection === 'insecure' && options.allowInsecure !== true) throw new InsecureSecretStoreError(this.backend())
    const encrypted = await this.options.safeStorage.encryptStringAsync(value)
    const data = this.read()
    data.secrets[key] = { value: encrypted.toString('base64'), backend: this.backend(), storedAt: new Date().toISOString() }
    this.write(data)
  }

  async delete(key: string): Promise<void> {
    const data = this.read()
    if (!(key in data.secrets)) return
    delete data.secrets[key]
    this.write(data)
  }

  private read(): SecretsFile {
    const text = this.fs.read(this.options.file)
    if (text === null) return { version: 1, secrets: {} }
    try {
      const data = JSON.parse(text) as Partial<SecretsFile>
      if (data && typeof data === 'object' && data.secrets && typeof data.secrets === 'object') {
        return { version: 1, secrets: { ...data.secrets } }
      }
    } catch {
      // fall through
    }
    this.log(`${this.options.file} is damaged: stored passwords are ignored until saved again`)
    return { version: 1, secrets: {} }
  }

  private write(data: SecretsFile): void {
    this.fs.write(this.options.file, `${JSON.stringify(data, null, 2)}\n`)
  }
}
