// connection.test / connection.save against a real PostgreSQL and a real config file.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../test-support/postgres'
import { makeTestEnv, type TestEnv } from '../test-support/test-env'
import { MemorySecretStore, pgSecretKey } from '../secrets/secret-store'

let db: TestDatabase
let env: TestEnv

beforeAll(async () => {
  db = await createTestDatabase('jobdeck_conn')
})
afterAll(async () => db?.drop())
afterEach(() => env?.cleanup())

const CONFIG = '# the jobs of the night shift\njobs:\n  a:\n    command: ["true"]\n'

describe('connection services', () => {
  it('tests a URL with the password typed beside it, and reports a closed port in words', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const url = new URL(db.url)
    const password = decodeURIComponent(url.password)
    url.password = ''
    const ok = await core.api['connection.test']({ url: url.toString(), ...(password ? { password } : {}) })
    expect(ok).toMatchObject({ ok: true, error: null, schemaVersion: null })
    expect(ok.serverVersion).toMatch(/^PostgreSQL \d+/)
    const closed = await core.api['connection.test']({ url: 'postgres://jd@127.0.0.1:1/nowhere' })
    expect(closed.ok).toBe(false)
    expect(closed.error).toMatch(/could not reach postgres:\/\/jd@127\.0\.0\.1:1\/nowhere: .*ECONNREFUSED/)
    await expect(core.api['connection.test']({ url: 'mysql://x/y' })).rejects.toThrow(/expected a postgres:\/\/ URL/)
  })

  it('saves the URL into the config file keeping its comments, and never the password', async () => {
    env = makeTestEnv(CONFIG)
    const secrets = new MemorySecretStore()
    const core = env.open({ secrets })
    const result = await core.api['connection.save']({ url: 'postgres://jd:hunter2@db.internal:5432/q', allowInsecure: false })
    expect(result).toMatchObject({ password: 'stored', restartRequired: true })
    const text = fs.readFileSync(env.configPath, 'utf8')
    expect(text).toContain('# the jobs of the night shift')
    expect(text).toContain('url: postgres://jd@db.internal:5432/q')
    expect(text).not.toContain('hunter2')
    expect(await secrets.get(pgSecretKey('postgres://jd@db.internal:5432/q'))).toBe('hunter2')
    await core.api['connection.save']({ url: null, allowInsecure: false })
    expect(fs.readFileSync(env.configPath, 'utf8')).not.toContain('postgres')
    expect(path.isAbsolute(result.path)).toBe(true)
  })

  it('switching to local mode when the config names no database is a clean success that leaves the file alone', async () => {
    for (const config of [CONFIG, `${CONFIG}postgres:\n  poolSize: 3\n`]) {
      env = makeTestEnv(config)
      const core = env.open()
      const before = fs.readFileSync(env.configPath, 'utf8')
      await expect(core.api['connection.save']({ url: null, allowInsecure: false })).resolves.toMatchObject({ restartRequired: false, password: 'not-given' })
      expect(fs.readFileSync(env.configPath, 'utf8')).toBe(before)
      await core.close()
      env.cleanup()
    }
  })

  it('headless, refuses to keep a password (no keychain) and leaves the file unchanged', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const before = fs.readFileSync(env.configPath, 'utf8')
    await expect(core.api['connection.save']({ url: 'postgres://jd@db/q', password: 'pw', allowInsecure: false })).rejects.toThrow(
      /no keychain to keep the password in/,
    )
    expect(fs.readFileSync(env.configPath, 'utf8')).toBe(before)
  })

  it('an insecure store (Linux basic_text) needs the explicit choice', async () => {
    env = makeTestEnv(CONFIG)
    const secrets = new MemorySecretStore('insecure')
    const core = env.open({ secrets })
    await expect(core.api['connection.save']({ url: 'postgres://jd@db/q', password: 'pw', allowInsecure: false })).rejects.toThrow(/basic_text/)
    await expect(core.api['connection.save']({ url: 'postgres://jd@db/q', password: 'pw', allowInsecure: true })).resolves.toMatchObject({
      password: 'stored',
    })
  })
})
