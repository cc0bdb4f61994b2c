// The key of `secret: true` params in the desktop app: 32 random bytes kept through the secret
// port (the OS keychain, safeStorage) under PARAM_KEY_ENTRY, made on the first start, handed to
// the engine at every start in JOBDECK_APP_SECRET_KEY (the engine keeps it in memory, out of every
// job's environment). Without a secure keychain (Linux basic_text, none) nothing is stored: the
// engine then keeps the key in its data dir's params.key, as headless. JOBDECK_SECRET_KEY, when
// the operator sets it, is the key everywhere and nothing is read here.
import { randomBytes } from 'node:crypto'
import type { SecretStore } from '../core/secrets/secret-store'

export const PARAM_KEY_ENTRY = 'jobdeck:params-key'
export const APP_KEY_VARIABLE = 'JOBDECK_APP_SECRET_KEY'

export interface ParamKeyOptions {
  env?: NodeJS.ProcessEnv
  /** How long to wait for the keychain (a keyring waiting to be unlocked must not hold up the app). */
  waitMs?: number
  log?: (line: string) => void
  random?: () => Buffer
}

async function keyFromKeychain(store: SecretStore, options: ParamKeyOptions): Promise<Record<string, string>> {
  const log = options.log ?? ((line: string) => console.warn(`jobdeck: ${line}`))
  if (store.protection() !== 'secure') return {}
  const stored = await store.get(PARAM_KEY_ENTRY)
  if (stored) return { [APP_KEY_VARIABLE]: stored }
  // Stored but unreadable (the keyring was reset or is locked): never replaced, so a key that
  // comes back still opens what it sealed.
  if (await store.has(PARAM_KEY_ENTRY)) {
    log('the key of secret params in the keychain cannot be read; jobs sealed with it fail until it can, new ones use params.key in the data dir')
    return {}
  }
  const key = (options.random ?? (() => randomBytes(32)))().toString('base64')
  await store.set(PARAM_KEY_ENTRY, key)
  return { [APP_KEY_VARIABLE]: key }
}

/** `{ JOBDECK_APP_SECRET_KEY }` for the engine's environment, or nothing when the engine keeps its own key. */
export async function paramKeyEnv(store: SecretStore, options: ParamKeyOptions = {}): Promise<Record<string, string>> {
  const env = options.env ?? process.env
  if (env['JOBDECK_SECRET_KEY']?.trim()) return {}
  const log = options.log ?? ((line: string) => console.warn(`jobdeck: ${line}`))
  let timer: ReturnType<typeof setTimeout> | undefined
  const timedOut = new Promise<Record<string, string>>((resolve) => {
    timer = setTimeout(() => {
      log('the keychain did not answer in time: secret params use params.key in the data dir this time')
      resolve({})
    }, options.waitMs ?? 10_000)
  })
  const read = keyFromKeychain(store, options).catch((error: unknown) => {
    log(`could not read or keep the key of secret params in the keychain: ${(error as Error).message}`)
    return {}
  })
  const result = await Promise.race([read, timedOut])
  clearTimeout(timer)
  return result
}
