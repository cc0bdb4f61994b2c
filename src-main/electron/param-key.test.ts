import { describe, expect, it } from 'vitest'
import { MemorySecretStore } from '../core/secrets/secret-store'
import { APP_KEY_VARIABLE, PARAM_KEY_ENTRY, paramKeyEnv } from './param-key'

const quiet = { log: () => {} }

describe('the key of secret params in the app', () => {
  it('is made once in a secure keychain and handed to every engine start', async () => {
    const store = new MemorySecretStore('secure')
    const first = await paramKeyEnv(store, { env: {}, ...quiet })
    const key = first[APP_KEY_VARIABLE]
    expect(Buffer.from(key ?? '', 'base64')).toHaveLength(32)
    expect(await store.get(PARAM_KEY_ENTRY)).toBe(key)
    expect(await paramKeyEnv(store, { env: {}, ...quiet })).toEqual({ [APP_KEY_VARIABLE]: key })
  })

  it('is not kept in a keychain that is not secure, nor when JOBDECK_SECRET_KEY is the key', async () => {
    for (const level of ['insecure', 'none'] as const) {
      const store = new MemorySecretStore(level)
      expect(await paramKeyEnv(store, { env: {}, ...quiet })).toEqual({})
      expect(await store.has(PARAM_KEY_ENTRY)).toBe(false)
    }
    const secure = new MemorySecretStore('secure')
    expect(await paramKeyEnv(secure, { env: { JOBDECK_SECRET_KEY: 'set by the operator' }, ...quiet })).toEqual({})
    expect(await secure.has(PARAM_KEY_ENTRY)).toBe(false)
  })

  it('never replaces a stored key it cannot read, and does not wait forever for the keychain', async () => {
    const store = new MemorySecretStore('secure')
    await store.set(PARAM_KEY_ENTRY, 'the-old-key')
    const unreadable = Object.assign(Object.create(store) as MemorySecretStore, { get: async () => null })
    const lines: string[] = []
    expect(await paramKeyEnv(unreadable, { env: {}, log: (line) => lines.push(line) })).toEqual({})
    expect(await store.get(PARAM_KEY_ENTRY)).toBe('the-old-key')
    expect(lines.join('\n')).toMatch(/cannot be read/)

    const hanging = Object.assign(Object.create(store) as MemorySecretStore, { get: () => new Promise<string | null>(() => {}) })
    expect(await paramKeyEnv(hanging, { env: {}, waitMs: 20, ...quiet })).toEqual({})
  })
})
