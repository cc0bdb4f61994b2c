// The PostgreSQL password between the keychain (main process only: the engine process cannot use
// safeStorage) and the engine:
//  - at every engine start the password stored for the configured URL goes into the engine's
//    environment as PGPASSWORD, which the pg driver reads when the URL carries none;
//  - `connection.save` with a password (given, or typed into the URL) keeps it here, through the
//    secret port; the engine gets the call without it (it writes only the URL to the config file);
//  - `connection.test` without a password tries the stored one for that URL.
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { apiInputs, type ApiMethod } from '../../src-shared/api'
import type { CallResult } from '../../src-shared/wire'
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

type Call = (method: ApiMethod, args: unknown) => Promise<CallResult>

export interface SecretRelayOptions {
  store: SecretStore
  /** Told after a password was stored (e.g. to pass it at the next engine start). */
  onStored?: (url: string, password: string | null) => void
}

const refused = (message: string): CallResult => ({ ok: false, error: { code: 'invalid_input', message: `connection.save: ${message}` } })

/** Wraps the engine call of the IPC transport: the password parts of `connection.save` and `connection.test` happen here. */
export function relaySecrets(call: Call, { store, onStored }: SecretRelayOptions): Call {
  return async (method, args) => {
    if (method === 'connection.test') {
      const input = apiInputs['connection.test'].safeParse(args)
      if (input.success && input.data.password === undefined) {
        const key = keyFor(input.data.url)
        const password = key ? await store.get(key).catch(() => null) : null
        if (password) return call(method, { ...input.data, password })
      }
      return call(method, args)
    }
    if (method !== 'connection.save') return call(method, args)

    const input = apiInputs['connection.save'].safeParse(args)
    if (!input.success || input.data.url === null) return call(method, args)
    const { allowInsecure } = input.data
    let { url, password } = input.data
    // A password typed into the URL is the password (as the engine treats it): it goes to the keychain.
    try {
      const parsed = new URL(url)
      if (parsed.password) {
        password ??= decodeURIComponent(parsed.password)
        parsed.password = ''
        url = parsed.toString()
      }
    } catch {
      return call(method, args) // the engine reports the URL's problem
    }
    if (password === undefined) return call(method, args)
    const key = keyFor(url)
    if (!key) return call(method, args)
    // Refuse before anything changes: a password that cannot be kept must not half-save the connection.
    const protection = store.protection()
    if (password !== '' && protection === 'none') {
      return refused('this system offers no encrypted storage for the password; save the URL without it and use PGPASSWORD or ~/.pgpass')
    }
    if (password !== '' && protection === 'insecure' && !allowInsecure) {
      return refused(
        'the OS offers no secure password storage here (Linux safeStorage `basic_text`): a stored password could be read by anyone who can read your files. Choose explicitly to store it anyway, or leave it out and use PGPASSWORD or ~/.pgpass',
      )
    }
    const result = await call(method, { url, allowInsecure })
    if (!result.ok) return result
    try {
      if (password === '') await store.delete(key)
      else await store.set(key, password, { allowInsecure })
    } catch (error) {
      return {
        ok: false,
        error: { code: 'internal', message: `connection.save: the URL was saved but the password could not be stored: ${(error as Error).message}` },
      }
    }
    onStored?.(url, password === '' ? null : password)
    const value = result.value as Record<string, unknown>
    return { ok: true, value: { ...value, password: password === '' ? 'removed' : 'stored', restartRequired: true } }
  }
}

/**
 * The password's way into the engine for one app session: `env()` for every engine (re)start,
 * `relay()` around the IPC transport's engine call. A password saved in Settings is used from the
 * next engine start on.
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

  relay(call: Call): Call {
    return relaySecrets(call, {
      store: this.store,
      onStored: (_url, password) => {
        // connection.save made this URL the configured one; the operator's own PGPASSWORD still wins.
        if (!this.env['PGPASSWORD']) this.password = password ? { PGPASSWORD: password } : {}
      },
    })
  }
}
