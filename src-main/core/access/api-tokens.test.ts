// API tokens in local mode, over a real SQLite data dir: a token works from the moment it is made
// until it expires or is revoked, the file never holds it in clear, and its last use is written
// at most once a minute.
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { Caller } from '../../../src-shared/access'
import { SqliteTokens } from '../store/sqlite/token-store'
import { makeTestEnv, type TestEnv } from '../test-support/test-env'
import { ApiTokens, CACHE_MS, TOUCH_EVERY_MS } from './api-tokens'

const CONFIG = `
jobs:
  greet:
    command: [node, -e, "1"]
`

let env: TestEnv
afterEach(() => env?.cleanup())

const admin: Caller = { who: 'cli:ana@box', role: 'admin' }

/** Every byte of the data dir's files (the database, its WAL). */
function dataDirBytes(dir: string): Buffer {
  return Buffer.concat(fs.readdirSync(dir).filter((f) => fs.statSync(path.join(dir, f)).isFile()).map((f) => fs.readFileSync(path.join(dir, f))))
}

describe('API tokens (local mode)', () => {
  it('a new token verifies as its name and role at once; a wrong or malformed secret verifies as nobody', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const made = await core.api['tokens.create']({ name: 'ci-bot', role: 'operator' }, admin)
    expect(made.secret).toMatch(/^jdk_[A-Za-z0-9_-]{43}$/)
    expect(made.token).toMatchObject({ name: 'ci-bot', role: 'operator', createdBy: 'cli:ana@box', expiresAt: null, lastUsedAt: null, revokedAt: null })
    expect(await core.tokens.verify(made.secret)).toEqual({ who: 'ci-bot', role: 'operator' })

    const other = await core.api['tokens.create']({ name: 'dash', role: 'viewer' })
    expect(other.secret).not.toBe(made.secret)
    expect(other.token.createdBy).toBe('owner')
    const flipped = made.secret.slice(0, -1) + (made.secret.endsWith('A') ? 'B' : 'A')
    for (const wrong of [flipped, '', 'jdk_', made.secret + 'x', made.secret.slice(4), `Bearer ${made.secret}`, 'x'.repeat(1_000_000)]) {
      expect(await core.tokens.verify(wrong), wrong.slice(0, 60)).toBeNull()
    }
  })

  it('the data dir holds the SHA-256 of a token, never the token; the list shows neither', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const { secret } = await core.api['tokens.create']({ name: 'ci-bot', role: 'admin' })
    const hash = (await import('node:crypto')).createHash('sha256').update(secret).digest('hex')
    const bytes = dataDirBytes(env.dataDir)
    expect(bytes.includes(hash)).toBe(true)
    expect(bytes.includes(secret)).toBe(false)
    expect(bytes.includes(secret.slice(4))).toBe(false)
    const listed = JSON.stringify(await core.api['tokens.list']({}))
    expect(listed).toContain('ci-bot')
    expect(listed).not.toContain(secret.slice(4))
    expect(listed).not.toContain(hash)
  })

  it('a token expires on the clock, whatever the cache holds', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    let now = Date.UTC(2026, 5, 1)
    const tokens = new ApiTokens({ records: new SqliteTokens(core.store), now: () => now })
    const { secret, token } = await tokens.create({ name: 'temp', role: 'viewer', expiresInMs: 3_600_000, createdBy: 'desktop' })
    expect(token.expiresAt).toBe('2026-06-01T01:00:00.000Z')
    expect(await tokens.verify(secret)).toEqual({ who: 'temp', role: 'viewer' })
    now += 3_600_000 - 1
    expect(await tokens.verify(secret)).toEqual({ who: 'temp', role: 'viewer' })
    now += 1
    expect(await tokens.verify(secret)).toBeNull()
    // Read again from the file, it is still expired.
    now += CACHE_MS
    expect(await tokens.verify(secret)).toBeNull()
    expect((await tokens.list())[0]).toMatchObject({ name: 'temp', revokedAt: null, expiresAt: '2026-06-01T01:00:00.000Z' })
  })

  it('a revoked token is refused at once by the process that revoked it, and keeps its record', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const { secret } = await core.api['tokens.create']({ name: 'ci-bot', role: 'operator' })
    expect(await core.tokens.verify(secret)).not.toBeNull()
    const revoked = await core.api['tokens.revoke']({ name: 'ci-bot' })
    expect(revoked.revokedAt).not.toBeNull()
    expect(await core.tokens.verify(secret)).toBeNull()
    expect(await core.api['tokens.list']({})).toEqual([revoked])
  })

  it('a token made by another process is accepted at once by a server that already holds a list', async () => {
    env = makeTestEnv(CONFIG)
    const serving = env.open()
    const other = env.open()
    const first = await other.api['tokens.create']({ name: 'first', role: 'viewer' })
    expect(await serving.tokens.verify(first.secret)).toEqual({ who: 'first', role: 'viewer' })
    // The serving core's list is fresh and lacks the new token: it is read again for it.
    const made = await other.api['tokens.create']({ name: 'ci-bot', role: 'operator' })
    expect(await serving.tokens.verify(made.secret)).toEqual({ who: 'ci-bot', role: 'operator' })
  })

  it('a revocation made through another core on the same file (as another process would) is refused once the cache second has passed', async () => {
    env = makeTestEnv(CONFIG)
    const serving = env.open()
    const other = env.open()
    const { secret } = await other.api['tokens.create']({ name: 'ci-bot', role: 'operator' })
    expect(await serving.tokens.verify(secret)).toEqual({ who: 'ci-bot', role: 'operator' })
    await other.api['tokens.revoke']({ name: 'ci-bot' })
    await new Promise((r) => setTimeout(r, CACHE_MS))
    expect(await serving.tokens.verify(secret)).toBeNull()
  })

  it('the last use is written after the answer, at most once a minute per token', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    let now = Date.UTC(2026, 5, 1)
    const tokens = new ApiTokens({ records: new SqliteTokens(core.store), now: () => now })
    const { secret } = await tokens.create({ name: 'ci-bot', role: 'viewer', expiresInMs: null, createdBy: 'desktop' })
    const lastUse = async (): Promise<string | null> => (await tokens.list())[0]?.lastUsedAt ?? null
    const first = now
    await tokens.verify(secret)
    // Not on the answer's path: written once the answer is on its way.
    expect(await lastUse()).toBeNull()
    await tokens.close()
    expect(await lastUse()).toBe(new Date(first).toISOString())
    now += TOUCH_EVERY_MS - 1
    await tokens.verify(secret)
    await tokens.close()
    expect(await lastUse()).toBe(new Date(first).toISOString())
    now += 1
    await tokens.verify(secret)
    await tokens.close()
    expect(await lastUse()).toBe(new Date(now).toISOString())
  })
})
