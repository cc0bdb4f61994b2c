import { readFileSync, writeFileSync } from 'node:fs'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { MemorySecretStore, pgSecretKey } from '../core/secrets/secret-store'
import { dispatch } from '../core/services/dispatch'
import { DESKTOP as OWNER } from '../core/access/callers'
import { makeTestEnv, type TestEnv } from '../core/test-support/test-env'
import { configuredPgUrl, engineSecretEnv, EngineSecrets } from './pg-secrets'

const URL_ = 'postgres://jobdeck@db.internal:5432/jobs'
const KEY = pgSecretKey(URL_)
const CONFIG = '# the jobs of the night shift\njobs:\n  a:\n    command: ["true"]\n'

describe('configuredPgUrl', () => {
  it('takes JOBDECK_PG_URL first, else postgres.url of the config file, even when the rest of it is invalid', () => {
    const text = `postgres:\n  url: ${URL_}\njobs:\n  broken: [this is not a job\n`
    expect(configuredPgUrl({ JOBDECK_PG_URL: 'postgres://env@h/db' }, '/c.yaml', () => text)).toBe('postgres://env@h/db')
    expect(configuredPgUrl({}, '/c.yaml', () => `postgres:\n  url: ${URL_}\njobs: {}\n`)).toBe(URL_)
    expect(configuredPgUrl({}, '/c.yaml', () => 'jobs: {}\n')).toBeNull()
    expect(
      configuredPgUrl({}, '/missing.yaml', () => {
        throw new Error('ENOENT')
      }),
    ).toBeNull()
  })
})

describe('engineSecretEnv', () => {
  it('hands the stored password for the configured URL to the engine as PGPASSWORD', async () => {
    const store = new MemorySecretStore()
    await store.set(KEY, 'pw')
    expect(await engineSecretEnv(store, URL_, {})).toEqual({ PGPASSWORD: 'pw' })
    expect(await engineSecretEnv(store, null, {})).toEqual({})
    expect(await engineSecretEnv(store, 'postgres://other@db.internal:5432/jobs', {})).toEqual({})
    // The operator's own PGPASSWORD, or a password in the URL itself, wins.
    expect(await engineSecretEnv(store, URL_, { PGPASSWORD: 'mine' })).toEqual({})
    expect(await engineSecretEnv(store, 'postgres://jobdeck:inline@db.internal:5432/jobs', {})).toEqual({})
  })
})

// The desktop's keychain as the engine's connection.save reaches it (through the secret port:
// EngineSecrets.keychain() is the store the port's parent side answers from). The IPC transport
// carries these calls untouched, as every other. (connection.test with a keychain:
// core/services/connection-services.test.ts.)
describe('connection.save with the keychain', () => {
  const envs: TestEnv[] = []
  afterEach(() => {
    for (const env of envs.splice(0)) env.cleanup()
  })

  async function desktop(level: 'secure' | 'insecure' | 'none' = 'secure') {
    const env = makeTestEnv(CONFIG)
    envs.push(env)
    const store = new MemorySecretStore(level)
    const secrets = await EngineSecrets.open(store, null, { env: {} })
    const core = env.open({ keychain: secrets.keychain() })
    const configPath = env.configPath
    return { store, secrets, configPath, configText: () => readFileSync(configPath, 'utf8'), call: (method: string, args: unknown) => dispatch({ api: core.api, audit: null }, method, args, OWNER) }
  }

  it('keeps the password of connection.save in the keychain and writes only the URL to the config file', async () => {
    const { store, secrets, configText, call } = await desktop()
    const result = await call('connection.save', { url: URL_, password: 'pw', allowInsecure: false })
    expect(configText()).toContain(`url: ${URL_}`)
    expect(configText()).not.toContain('pw"')
    expect(result).toMatchObject({ ok: true, value: { restartRequired: true, password: 'stored' } })
    expect(await store.get(KEY)).toBe('pw')
    // The next engine start gets it.
    expect(secrets.engineEnv()).toEqual({ PGPASSWORD: 'pw' })
    // An empty password removes the stored one.
    expect(await call('connection.save', { url: URL_, password: '' })).toMatchObject({ ok: true, value: { password: 'removed' } })
    expect(await store.get(KEY)).toBeNull()
  })

  it('takes a password typed into the URL as the password: the config file gets the URL without it', async () => {
    const { store, configText, call } = await desktop()
    const result = await call('connection.save', { url: 'postgres://jobdeck:p%40ss@db.internal:5432/jobs', allowInsecure: false })
    expect(configText()).toContain(`url: ${URL_}`)
    expect(configText()).not.toContain('p%40ss')
    expect(result).toMatchObject({ ok: true, value: { password: 'stored' } })
    expect(await store.get(KEY)).toBe('p@ss')
  })

  it('refuses an insecure store without consent before anything is saved, and stores with it', async () => {
    const { store, configText, call } = await desktop('insecure')
    const before = configText()
    const refused = await call('connection.save', { url: URL_, password: 'pw' })
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid_input' } })
    expect(!refused.ok && refused.error.message).toMatch(/^connection\.save: .*basic_text.*explicitly/)
    expect(configText()).toBe(before)
    expect(await call('connection.save', { url: URL_, password: 'pw', allowInsecure: true })).toMatchObject({ ok: true })
    expect(await store.get(KEY)).toBe('pw')
  })

  it('refuses a store that cannot keep secrets, and stores nothing when the URL or the config file is refused', async () => {
    const none = await desktop('none')
    expect(await none.call('connection.save', { url: URL_, password: 'pw', allowInsecure: true })).toMatchObject({ ok: false, error: { code: 'invalid_input' } })
    const failing = await desktop()
    expect(await failing.call('connection.save', { url: 'mysql://jobdeck@db.internal:5432/jobs', password: 'pw' })).toMatchObject({
      ok: false,
      error: { message: /expected a postgres:\/\/ URL/ },
    })
    expect(await failing.store.get(KEY)).toBeNull()
    const broken = await desktop()
    writeFileSync(broken.configPath, 'jobs: [not, a, mapping\n')
    expect(await broken.call('connection.save', { url: URL_, password: 'pw' })).toMatchObject({ ok: false, error: { code: 'config_invalid' } })
    expect(await broken.store.get(KEY)).toBeNull()
  })

  it('leaves the keychain alone for password-less saves', async () => {
    const { store, call } = await desktop()
    await store.set(KEY, 'kept')
    expect(await call('connection.save', { url: null })).toMatchObject({ ok: true, value: { password: 'not-given' } })
    expect(await call('connection.save', { url: URL_ })).toMatchObject({ ok: true, value: { password: 'not-given' } })
    expect(await store.get(KEY)).toBe('kept')
  })
})

describe('EngineSecrets', () => {
  it('starts the engine without the password when the keychain does not answer in time', async () => {
    const hanging = new MemorySecretStore()
    hanging.get = () => new Promise(() => {})
    const log = vi.fn()
    const secrets = await EngineSecrets.open(hanging, URL_, { env: {}, waitMs: 20, log })
    expect(secrets.engineEnv()).toEqual({})
    expect(log).toHaveBeenCalledWith(expect.stringMatching(/did not answer in time/))
  })

  it('starts with the stored password and switches to one saved in Settings', async () => {
    const store = new MemorySecretStore()
    await store.set(KEY, 'old')
    const secrets = await EngineSecrets.open(store, URL_, { env: {} })
    expect(secrets.engineEnv()).toEqual({ PGPASSWORD: 'old' })
    const env = makeTestEnv(CONFIG)
    try {
      const core = env.open({ keychain: secrets.keychain() })
      await dispatch({ api: core.api, audit: null }, 'connection.save', { url: 'postgres://new@db2/jobs', password: 'new' }, OWNER)
      expect(secrets.engineEnv()).toEqual({ PGPASSWORD: 'new' })
      await dispatch({ api: core.api, audit: null }, 'connection.save', { url: 'postgres://new@db2/jobs', password: '' }, OWNER)
      expect(secrets.engineEnv()).toEqual({})
      // The keychain's other entries (the key of secret params) are not the engine's to reach.
      await store.set('jobdeck:params-key', 'k')
      await expect(secrets.keychain().get('jobdeck:params-key')).rejects.toThrow(/only PostgreSQL passwords/)
      await expect(secrets.keychain().set('jobdeck:params-key', 'other')).rejects.toThrow(/only PostgreSQL passwords/)
      expect(await store.get('jobdeck:params-key')).toBe('k')
      expect(secrets.engineEnv()).toEqual({})
    } finally {
      env.cleanup()
    }
  })
})
