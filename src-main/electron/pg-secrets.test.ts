import { describe, expect, it, vi } from 'vitest'
import type { CallResult } from '../../src-shared/wire'
import { MemorySecretStore, pgSecretKey } from '../core/secrets/secret-store'
import { configuredPgUrl, engineSecretEnv, EngineSecrets, relaySecrets } from './pg-secrets'

const URL_ = 'postgres://jobdeck@db.internal:5432/jobs'
const KEY = pgSecretKey(URL_)

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

describe('relaySecrets', () => {
  function setup(level: 'secure' | 'insecure' | 'none' = 'secure', answer?: CallResult) {
    const store = new MemorySecretStore(level)
    const call = vi.fn(async (method: string, args: unknown): Promise<CallResult> =>
      answer ?? { ok: true, value: method === 'connection.save' ? { path: '/c.yaml', restartRequired: true, password: 'not-given' } : { args } },
    )
    const onStored = vi.fn()
    return { store, call, onStored, relay: relaySecrets(call, { store, onStored }) }
  }

  it('keeps the password of connection.save in the store and never sends it to the engine', async () => {
    const { store, call, onStored, relay } = setup()
    const result = await relay('connection.save', { url: URL_, password: 'pw', allowInsecure: false })
    expect(call).toHaveBeenCalledWith('connection.save', { url: URL_, allowInsecure: false })
    expect(JSON.stringify(call.mock.calls)).not.toContain('pw"')
    expect(result).toEqual({ ok: true, value: { path: '/c.yaml', restartRequired: true, password: 'stored' } })
    expect(await store.get(KEY)).toBe('pw')
    expect(onStored).toHaveBeenCalledWith(URL_, 'pw')
    // An empty password removes the stored one.
    expect(await relay('connection.save', { url: URL_, password: '' })).toMatchObject({ ok: true, value: { password: 'removed' } })
    expect(await store.get(KEY)).toBeNull()
  })

  it('takes a password typed into the URL as the password: the engine gets the URL without it', async () => {
    const { store, call, relay } = setup()
    const result = await relay('connection.save', { url: 'postgres://jobdeck:p%40ss@db.internal:5432/jobs', allowInsecure: false })
    expect(call).toHaveBeenCalledWith('connection.save', { url: URL_, allowInsecure: false })
    expect(result).toMatchObject({ ok: true, value: { password: 'stored' } })
    expect(await store.get(KEY)).toBe('p@ss')
  })

  it('refuses an insecure store without consent before anything is saved, and stores with it', async () => {
    const { store, call, relay } = setup('insecure')
    const refused = await relay('connection.save', { url: URL_, password: 'pw' })
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid_input' } })
    expect(!refused.ok && refused.error.message).toMatch(/^connection\.save: .*basic_text.*explicitly/)
    expect(call).not.toHaveBeenCalled()
    expect(await relay('connection.save', { url: URL_, password: 'pw', allowInsecure: true })).toMatchObject({ ok: true })
    expect(await store.get(KEY)).toBe('pw')
  })

  it('refuses a store that cannot keep secrets, and stores nothing when the engine refuses the URL', async () => {
    expect(await setup('none').relay('connection.save', { url: URL_, password: 'pw', allowInsecure: true })).toMatchObject({ ok: false, error: { code: 'invalid_input' } })
    const failing = setup('secure', { ok: false, error: { code: 'invalid_input', message: 'connection.save: url: expected postgres://' } })
    expect(await failing.relay('connection.save', { url: URL_, password: 'pw' })).toMatchObject({ ok: false, error: { message: /expected postgres/ } })
    expect(await failing.store.get(KEY)).toBeNull()
  })

  it('passes other calls and password-less saves through untouched', async () => {
    const { call, relay } = setup()
    await relay('runner.status', { limit: 5 })
    await relay('connection.save', { url: null })
    await relay('connection.save', { url: URL_ })
    expect(call.mock.calls).toEqual([
      ['runner.status', { limit: 5 }],
      ['connection.save', { url: null }],
      ['connection.save', { url: URL_ }],
    ])
  })

  it('tests a URL with its stored password unless the caller gives one', async () => {
    const { store, call, relay } = setup()
    await store.set(KEY, 'pw')
    await relay('connection.test', { url: URL_ })
    await relay('connection.test', { url: URL_, password: 'typed' })
    await relay('connection.test', { url: 'postgres://nobody@elsewhere/db' })
    expect(call.mock.calls.map((c) => c[1])).toEqual([
      { url: URL_, password: 'pw' },
      { url: URL_, password: 'typed' },
      { url: 'postgres://nobody@elsewhere/db' },
    ])
  })

  it("never tests another server with a stored password, even one the URL's parameters point the driver to", async () => {
    const { store, call, relay } = setup()
    await store.set(KEY, 'pw')
    // The pg driver connects to ?host= / ?port= / ?user= rather than to the URL's own parts.
    const retargeted = [`${URL_}?host=evil.example`, `${URL_}?port=6543`, `${URL_}?user=admin`, `${URL_}?sslmode=require&host=evil.example`]
    for (const url of retargeted) await relay('connection.test', { url })
    expect(call.mock.calls.map((c) => c[1])).toEqual(retargeted.map((url) => ({ url })))
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
    const call = vi.fn(async (): Promise<CallResult> => ({ ok: true, value: { path: '/c.yaml', restartRequired: true, password: 'not-given' } }))
    await secrets.relay(call)('connection.save', { url: 'postgres://new@db2/jobs', password: 'new' })
    expect(secrets.engineEnv()).toEqual({ PGPASSWORD: 'new' })
    await secrets.relay(call)('connection.save', { url: 'postgres://new@db2/jobs', password: '' })
    expect(secrets.engineEnv()).toEqual({})
  })
})
