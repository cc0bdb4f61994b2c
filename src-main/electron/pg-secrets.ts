// The PostgreSQL password between the keychain (main process only: the engine process cannot use
// safeStorage) and the engine:
//  - at every engine start the password stored for the configured URL goes into the engine's
//    environment as PGPASSWORD, which the pg driver reads when the URL carries none;
//  - the engine's `connection.save` and `connection.test` reach the keychain through the secret
//    port (core/engine/secret-port.ts), answered here; the IPC transport carries their calls as
//    it carries every other. A password saved that way is the one the next engine start gets.
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { pgSecretKey, type SecretStore } from '../core/secrets/secret-store'

/** Keys of the config file are read without the schema: an error elsewhere in it must not lose the password. */
export function configuredPgUrl(
  env: NodeJS.ProcessEnv,
  configPath: string,
  readText: (file: string) => string = (file) => readFileSync(file, 'utf8'),
): string | null {
  const fromEnv = env['JOBDECK_PG_URL']?.trim()
  if (fromEnv) return fromEnv
  try {
    const data = parse(readText(configPath)) as { postgres?: { url?: unknown } } | null
    const url = data?.postgres?.url
    return typeof url === 'string' && url.trim() !== '' ? url.trim() : null
  } catch {
    return null
  }
}

function keyFor(url: string): string | null {
  try {
    const parsed = new URL(url)
    if (parsed.password) return null // the URL brings its own
    return pgSecretKey(url)
  } catch {
    return null
  }
}

/** `{ PGPASSWORD }` when a password is stored for `url` and the environment does not already set one. */
export async function engineSecretEnv(store: SecretStore, url: string | null, env: NodeJS.ProcessEnv = process.env): Promise<Record<string, string>> {
  if (!url || env['PGPASSWORD']) return {}
  const key = keyFor(url)
  if (!key) return {}
  const password = await store.get(key)
  return password ? { PGPASSWORD: password } : {}
}

/** Keys of PostgreSQL passwords (pgSecretKey); other entries (the key of secret params) are not passwords. */
const isPgKey = (key: string): boolean => key.startsWith('postgres:')

/**
 * The password's way into the engine for one app session: `engineEnv()` for every engine (re)start,
 * `keychain()` for the engine's secret port. A password saved in Settings is used from the next
 * engine start on.
 */
export class EngineSecrets {
  private password: Record<string, string>

  private constructor(
    readonly store: SecretStore,
    initial: Record<string, string>,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.password = initial
  }

  /**
   * Reads the stored password for the configured URL, waiting at most `waitMs` (a keyring waiting
   * to be unlocked must not hold up the engine: it then starts without, and says why).
   */
  static async open(
    store: SecretStore,
    configuredUrl: string | null,
    options: { env?: NodeJS.ProcessEnv; waitMs?: number; log?: (line: string) => void } = {},
  ): Promise<EngineSecrets> {
    const env = options.env ?? process.env
    const log = options.log ?? ((line: string) => console.warn(`jobdeck: ${line}`))
    let timer: ReturnType<typeof setTimeout> | undefined
    const timedOut = new Promise<Record<string, string>>((resolve) => {
      timer = setTimeout(() => {
        log('the keychain did not answer in time: the engine starts without the stored PostgreSQL password')
        resolve({})
      }, options.waitMs ?? 10_000)
    })
    const read = engineSecretEnv(store, configuredUrl, env).catch((error: unknown) => {
      log(`could not read the stored PostgreSQL password: ${(error as Error).message}`)
      return {}
    })
    const initial = await Promise.race([read, timedOut])
    clearTimeout(timer)
    return new EngineSecrets(store, initial, env)
  }

  engineEnv(): Record<string, string> {
    return this.password
  }

  /**
   * The store the engine's secret port reaches: the keychain's PostgreSQL passwords only (its
   * other entries, such as the key of secret params, stay here), watched for connection.save
   * keeping (or removing) one, which makes its URL the configured one; the operator's own
   * PGPASSWORD still wins.
   */
  keychain(): SecretStore {
    const store = this.store
    const pgOnly = (key: string): void => {
      if (!isPgKey(key)) throw new Error(`the engine reaches only PostgreSQL passwords in the keychain, not ${JSON.stringify(key.slice(0, 60))}`)
    }
    const saved = (password: string | null): void => {
      if (!this.env['PGPASSWORD']) this.password = password ? { PGPASSWORD: password } : {}
    }
    return {
      protection: () => store.protection(),
      async get(key) {
        pgOnly(key)
        return store.get(key)
      },
      async has(key) {
        pgOnly(key)
        return store.has(key)
      },
      async set(key, value, options) {
        pgOnly(key)
        await store.set(key, value, options)
        saved(value)
      },
      async delete(key) {
        pgOnly(key)
        await store.delete(key)
        saved(null)
      },
    }
  }
}
