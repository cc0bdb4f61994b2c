import net from 'node:net'
import { describe, expect, it } from 'vitest'
import { postgresRuntimeSchema } from '../../../../src-shared/config-schema'
import type { DatabaseState } from '../../../../src-shared/connection'
import { clientConfig, isConnectionError, PgConnection, redactUrl, withPassword } from './pg-connection'

async function closedPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('PgConnection', () => {
  it('puts a password from the keychain into the URL (the driver would let the URL win over it)', () => {
    expect(withPassword('postgres://jd@db:5432/q', 's3:cr/et')).toBe('postgres://jd:s3%3Acr%2Fet@db:5432/q')
    expect(withPassword('postgres://jd@db/q', undefined)).toBe('postgres://jd@db/q')
    const config = postgresRuntimeSchema.parse({ url: 'postgres://jd@db/q' })
    expect(clientConfig(config, 'pw').connectionString).toBe('postgres://jd:pw@db/q')
    expect(redactUrl('postgres://jd:pw@db/q')).toBe('postgres://jd:***@db/q')
  })

  it('a query never waits on a timer past 2^31-1 ms, even when both long timeouts add up beyond it', () => {
    const config = postgresRuntimeSchema.parse({ url: 'postgres://jd@db/q', statementTimeout: '24d', connectTimeout: '24d' })
    expect(config.statementTimeout).toBe(24 * 86_400_000)
    expect(clientConfig(config, undefined).query_timeout).toBeLessThan(2 ** 31)
  })

  it('an unreachable server: offline with the error, one retry scheduled per outage however many clients notice', async () => {
    const port = await closedPort()
    const states: DatabaseState[] = []
    const conn = new PgConnection({
      config: postgresRuntimeSchema.parse({ url: `postgres://jd@127.0.0.1:${port}/q`, connectTimeout: '1s' }),
      source: 'flag',
      backoff: { baseMs: 60_000, maxMs: 60_000 },
      onState: (state) => states.push(state),
    })
    try {
      expect(await conn.connect()).toBe(false)
      const first = conn.state
      expect(first).toMatchObject({ status: 'offline', url: `postgres://jd@127.0.0.1:${port}/q` })
      expect(first.error).toMatch(/ECONNREFUSED/)
      for (let i = 0; i < 5; i++) conn.lost(Object.assign(new Error('Connection terminated unexpectedly'), {}))
      expect(conn.state.retryAt).toBe(first.retryAt)
      expect(conn.state.offlineSince).toBe(first.offlineSince)
      // A query while offline fails at once with `unavailable`, never hangs.
      const started = Date.now()
      await expect(conn.query('SELECT 1')).rejects.toMatchObject({ code: 'unavailable' })
      expect(Date.now() - started).toBeLessThan(5_000)
    } finally {
      await conn.close()
    }
  })

  it('tells connection failures from statement errors', () => {
    expect(isConnectionError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe(true)
    expect(isConnectionError(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true)
    expect(isConnectionError(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false)
  })
})
