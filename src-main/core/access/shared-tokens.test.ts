// API tokens in shared mode: they live in PostgreSQL, so a token made on one instance is accepted
// by another, and a revocation on one is refused by the others once the cache second has passed.
// While the shared database is cut off, an instance answers from the list it last read (a token
// revoked before the outage stays refused); without a list known to be current it says so.
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { useSharedDatabase } from '../test-support/shared-instances'
import { startTcpProxy, viaProxy } from '../test-support/tcp-proxy'
import { sleep, waitFor } from '../test-support/test-env'
import { CACHE_MS } from './api-tokens'

const CONFIG = `
jobs:
  greet:
    command: [node, -e, "1"]
`

const shared = useSharedDatabase('jobdeck_shared_tokens')

describe('API tokens in shared mode', () => {
  it('a token made on one instance is accepted by another; revoked there, refused by the first within a second', async () => {
    const one = shared.open(shared.env(CONFIG))
    const two = shared.open(shared.env(CONFIG))
    await Promise.all([one.ready(), two.ready()])
    const { secret } = await one.api['tokens.create']({ name: 'ci-bot', role: 'operator' })
    expect(await two.tokens.verify(secret)).toEqual({ who: 'ci-bot', role: 'operator' })
    expect(await one.tokens.verify(secret)).toEqual({ who: 'ci-bot', role: 'operator' })
    expect((await two.api['tokens.list']({})).map((t) => t.name)).toEqual(['ci-bot'])

    await two.api['tokens.revoke']({ name: 'ci-bot' })
    await sleep(CACHE_MS)
    expect(await one.tokens.verify(secret)).toBeNull()
    expect(await two.tokens.verify(secret)).toBeNull()

    // Nothing of the token in clear reached the shared database either.
    const client = new pg.Client({ connectionString: shared.db.url })
    await client.connect()
    try {
      const { rows } = await client.query(`SELECT * FROM jobdeck.api_tokens`)
      expect(JSON.stringify(rows)).not.toContain(secret.slice(4))
      expect(rows).toEqual([expect.objectContaining({ name: 'ci-bot', role: 'operator', hash: expect.stringMatching(/^[0-9a-f]{64}$/) })])
    } finally {
      await client.end()
    }
  })

  it('cut off from the shared database, an instance keeps the list it read (a token revoked before stays refused), and makes no token', async () => {
    const target = new URL(shared.db.url)
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432))
    try {
      const viaCut = { postgres: { url: viaProxy(shared.db.url, proxy.port), source: 'flag' as const } }
      const serving = shared.open(shared.env(CONFIG), viaCut)
      const idle = shared.open(shared.env(CONFIG), viaCut)
      const admin = shared.open(shared.env(CONFIG))
      await Promise.all([serving.ready(), idle.ready(), admin.ready()])
      const kept = await admin.api['tokens.create']({ name: 'kept', role: 'viewer' })
      const gone = await admin.api['tokens.create']({ name: 'gone', role: 'operator' })
      expect(await serving.tokens.verify(gone.secret)).toEqual({ who: 'gone', role: 'operator' })
      await admin.api['tokens.revoke']({ name: 'gone' })
      await sleep(CACHE_MS)
      expect(await serving.tokens.verify(gone.secret)).toBeNull()

      proxy.cut()
      await waitFor(() => serving.connection().status === 'offline' && idle.connection().status === 'offline', 10_000, 'both instances offline')
      await sleep(CACHE_MS)
      expect(await serving.tokens.verify(kept.secret)).toEqual({ who: 'kept', role: 'viewer' })
      expect(await serving.tokens.verify(gone.secret)).toBeNull()
      await expect(serving.api['tokens.create']({ name: 'new', role: 'viewer' })).rejects.toThrow(/cannot create a token: the shared database is offline/)
      await expect(serving.api['tokens.revoke']({ name: 'kept' })).rejects.toThrow(/cannot revoke a token: the shared database is offline/)
      // An instance that never read the list cannot tell a good token from a revoked one.
      await expect(idle.tokens.verify(kept.secret)).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/no list of tokens known to be current/) })

      proxy.restore()
      await waitFor(() => idle.connection().status === 'online', 10_000, 'back online')
      expect(await idle.tokens.verify(kept.secret)).toEqual({ who: 'kept', role: 'viewer' })
      expect(await idle.tokens.verify(gone.secret)).toBeNull()
    } finally {
      await proxy.close()
    }
  }, 30_000)
})

