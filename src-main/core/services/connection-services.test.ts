// connection.test / connection.save against a real PostgreSQL and a real config file.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { startFakePostgres, type FakePostgres, type PasswordAttempt } from '../test-support/fake-postgres'
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

  it.skipIf(process.platform === 'win32')('saving keeps the config file\'s own mode (a 0600 file stays 0600)', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open({ secrets: new MemorySecretStore() })
    for (const mode of [0o600, 0o640]) {
      fs.chmodSync(env.configPath, mode)
      await core.api['connection.save']({ url: `postgres://jd@db.internal:5432/q${mode}`, allowInsecure: false })
      expect(fs.statSync(env.configPath).mode & 0o777).toBe(mode)
      expect(fs.readFileSync(env.configPath, 'utf8')).toContain(`url: postgres://jd@db.internal:5432/q${mode}`)
    }
    // No temporary file is left beside it.
    expect(fs.readdirSync(path.dirname(env.configPath)).filter((name) => name.endsWith('.tmp'))).toEqual([])
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

describe('connection.test sends a configured password only to its own server', () => {
  let a: FakePostgres
  let b: FakePostgres
  beforeAll(async () => {
    a = await startFakePostgres()
    b = await startFakePostgres()
  })
  afterAll(async () => {
    await a?.close()
    await b?.close()
  })
  afterEach(() => vi.unstubAllEnvs())

  /** What connection.test (not the shared link) handed to a server. */
  const tested = (server: FakePostgres): Array<string | null> =>
    server.attempts.filter((t) => t.applicationName === 'jobdeck-test').map((t) => t.password)
  const fresh = (): void => {
    ;(a.attempts as PasswordAttempt[]).length = 0
    ;(b.attempts as PasswordAttempt[]).length = 0
  }

  it('keeps PGPASSWORD from a server the caller names, and says a password is needed', async () => {
    fresh()
    vi.stubEnv('PGPASSWORD', 'hunter2')
    env = makeTestEnv(CONFIG)
    const core = env.open({ postgres: { url: `postgres://queue@127.0.0.1:${a.port}/jobdeck`, source: 'env' }, shared: { backoff: { baseMs: 60_000, maxMs: 60_000 } } })

    const elsewhere = await core.api['connection.test']({ url: `postgres://queue@127.0.0.1:${b.port}/jobdeck` })
    expect(tested(b)).not.toContain('hunter2')
    expect(elsewhere.ok).toBe(false)
    expect(elsewhere.error).toMatch(/none is configured for queue@127\.0\.0\.1:\d+; type it/)
    // Pointing the configured host and port elsewhere through the URL's own parameters changes nothing.
    await core.api['connection.test']({ url: `postgres://queue@127.0.0.1:${a.port}/jobdeck?port=${b.port}` })
    await core.api['connection.test']({ url: `postgres://queue@127.0.0.1:${a.port}/jobdeck?host=localhost&port=${b.port}` })
    expect(tested(b)).not.toContain('hunter2')
    // Another user on the configured server is another credential.
    await core.api['connection.test']({ url: `postgres://admin@127.0.0.1:${a.port}/jobdeck` })
    expect(tested(a)).not.toContain('hunter2')

    // The configured server (host, port and user) gets it; a caller's own password goes where they say.
    await core.api['connection.test']({ url: `postgres://queue@127.0.0.1:${a.port}/other_db` })
    expect(tested(a)).toContain('hunter2')
    await core.api['connection.test']({ url: `postgres://queue@127.0.0.1:${b.port}/jobdeck`, password: 'typed-for-b' })
    await core.api['connection.test']({ url: `postgres://queue:in-the-url@127.0.0.1:${b.port}/jobdeck` })
    expect(tested(b)).toEqual(expect.arrayContaining(['typed-for-b', 'in-the-url']))
    expect(tested(b)).not.toContain('hunter2')
  })

  // With the desktop's keychain (reached from the engine through the secret port), as the relay of
  // the Electron transport did before.
  /** A core whose keychain keeps 'pw' for `url`. */
  async function keptFor(url: string) {
    fresh()
    env = makeTestEnv(CONFIG)
    const keychain = new MemorySecretStore()
    await keychain.set(pgSecretKey(url), 'pw')
    return env.open({ keychain })
  }

  it('tests a URL with the password kept in the keychain for it unless the caller gives one', async () => {
    const url = `postgres://jobdeck@127.0.0.1:${a.port}/jobs`
    const core = await keptFor(url)
    await core.api['connection.test']({ url })
    await core.api['connection.test']({ url, password: 'typed' })
    await core.api['connection.test']({ url: `postgres://nobody@127.0.0.1:${a.port}/jobs` })
    expect(tested(a)).toEqual(['pw', 'typed', null])
  })

  it("never tests another server with a kept password, even one the URL's parameters point the driver to", async () => {
    const url = `postgres://jobdeck@127.0.0.1:${a.port}/jobs`
    const core = await keptFor(url)
    // The pg driver connects to ?host= / ?port= / ?user= rather than to the URL's own parts.
    for (const retargeted of [`${url}?port=${b.port}`, `${url}?host=localhost&port=${b.port}`, `${url}?user=admin`, `${url}?sslmode=disable&port=${b.port}`]) {
      await core.api['connection.test']({ url: retargeted })
    }
    expect(tested(b).length).toBeGreaterThan(0)
    expect(tested(b)).not.toContain('pw')
    expect(a.attempts.filter((t) => t.user === 'admin').map((t) => t.password)).not.toContain('pw')
  })

  it('keeps the password of JOBDECK_PG_URL and of ~/.pgpass to their own servers', async () => {
    fresh()
    const pgpass = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-pgpass-')), 'pgpass')
    fs.writeFileSync(pgpass, `# the operator's\n127.0.0.1:${a.port}:*:reports:from-pgpass\n`, { mode: 0o600 })
    vi.stubEnv('PGPASSFILE', pgpass)
    vi.stubEnv('PGPASSWORD', '')
    env = makeTestEnv(CONFIG)
    const core = env.open({ postgres: { url: `postgres://queue:url-secret@127.0.0.1:${a.port}/jobdeck`, source: 'env' }, shared: { backoff: { baseMs: 60_000, maxMs: 60_000 } } })

    await core.api['connection.test']({ url: `postgres://queue@127.0.0.1:${b.port}/jobdeck` })
    await core.api['connection.test']({ url: `postgres://reports@127.0.0.1:${b.port}/jobdeck` })
    expect(tested(b).filter((p) => p !== null)).toEqual([])

    await core.api['connection.test']({ url: `postgres://queue@127.0.0.1:${a.port}/jobdeck` })
    await core.api['connection.test']({ url: `postgres://reports@127.0.0.1:${a.port}/jobdeck` })
    expect(tested(a)).toEqual(['url-secret', 'from-pgpass'])
    fs.rmSync(path.dirname(pgpass), { recursive: true, force: true })
  })
})
