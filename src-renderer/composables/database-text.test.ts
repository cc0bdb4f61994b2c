import { describe, expect, it } from 'vitest'
import { clockTime } from '../format'
import { OFFLINE, ONLINE } from '../test-support/database-states'
import { connectionHint, databaseStripItem, describeTestResult, offlineBanner, parsePgUrl, shortPgUrl, withoutPassword } from './database-text'

describe('PostgreSQL URLs as the operator types them', () => {
  it('accepts postgres:// and postgresql:// URLs, with or without user, password, port and database', () => {
    for (const url of [
      'postgres://jd@db.internal:5432/jobdeck',
      'postgresql://db.internal/jobdeck',
      'postgres://jd:p%40ss@10.0.0.5:6432/jobdeck?sslmode=require',
      'postgres://[::1]:5432/jobdeck',
      'postgres:///jobdeck?host=/run/postgresql',
      '  postgres://db  ',
    ]) {
      expect(parsePgUrl(url), url).toMatchObject({ ok: true })
    }
    expect(parsePgUrl('postgres://jd:se:cret@db:5433/jobdeck')).toEqual({
      ok: true,
      parts: { scheme: 'postgres', user: 'jd', password: 'se:cret', host: 'db', port: '5433', database: 'jobdeck', query: '' },
    })
  })

  it('says what is wrong, in words that say what to type', () => {
    const problem = (url: string): string => {
      const result = parsePgUrl(url)
      return result.ok ? '' : result.problem
    }
    expect(problem('')).toMatch(/Enter the database URL, like postgres:\/\//)
    expect(problem('db.internal:5432')).toMatch(/Not a URL/)
    expect(problem('mysql://db/jobdeck')).toMatch(/Starts with mysql:\/\/.*postgres:\/\//)
    expect(problem('postgres://')).toMatch(/Name the server/)
    expect(problem('postgres://jd@:5432/jobdeck')).toMatch(/Name the server/)
    expect(problem('postgres://db:54x2/jobdeck')).toMatch(/port must be a number.*"54x2"/)
    expect(problem('postgres://db:70000/jobdeck')).toMatch(/port must be a number/)
    expect(problem('postgres://db/job/deck')).toMatch(/one database name/)
    expect(problem('postgres://db/jobdeck#x')).toMatch(/fragment/)
    expect(problem('postgres://d b/jobdeck')).toMatch(/spaces/)
  })

  it('takes the password out for the form, and names a URL briefly', () => {
    expect(withoutPassword('postgres://jd:***@db.internal:5432/jobdeck?sslmode=require')).toBe('postgres://jd@db.internal:5432/jobdeck?sslmode=require')
    expect(withoutPassword('postgresql://db/jobdeck')).toBe('postgresql://db/jobdeck')
    expect(shortPgUrl('postgres://jd:***@db.internal:5432/jobdeck')).toBe('db.internal:5432/jobdeck')
    expect(shortPgUrl(null)).toBe('the shared database')
  })
})

describe('the connection in the status strip and the offline banner', () => {
  it('is local, shared, connecting, or offline since a time', () => {
    expect(databaseStripItem({ ...ONLINE, mode: 'local', status: 'local', url: null, source: null })).toMatchObject({ label: 'Local', tone: 'local' })
    expect(databaseStripItem(ONLINE)).toMatchObject({ label: 'Shared', tone: 'online' })
    expect(databaseStripItem(ONLINE).title).toMatch(/db\.internal:5432\/jobdeck/)
    expect(databaseStripItem({ ...ONLINE, status: 'connecting' })).toMatchObject({ label: 'Shared · connecting…', tone: 'connecting' })
    const offline = databaseStripItem(OFFLINE)
    expect(offline).toMatchObject({ label: `Shared · offline since ${clockTime(OFFLINE.offlineSince as string)}`, tone: 'offline' })
    expect(offline.title).toMatch(/ECONNREFUSED.*cached history/)
  })

  it('says since when, what is shown, what waits to be sent and when it retries', () => {
    const before = Date.parse('2026-03-01T10:42:30.000Z')
    expect(offlineBanner(OFFLINE, before)).toEqual({
      headline: `Shared database offline since ${clockTime('2026-03-01T10:42:00.000Z')}`,
      cache: `showing cached history, last synced ${clockTime('2026-03-01T10:41:00.000Z')}`,
      outbox: '3 changes made here wait to be sent.',
      retry: `Retrying at ${clockTime('2026-03-01T10:43:00.000Z')}.`,
    })
    const after = offlineBanner({ ...OFFLINE, outboxPending: 1, lastSyncAt: null }, Date.parse('2026-03-01T10:43:01.000Z'))
    expect(after.retry).toBe('Retrying now…')
    expect(after.outbox).toBe('1 change made here waits to be sent.')
    expect(after.cache).toMatch(/never synced/)
    expect(offlineBanner({ ...OFFLINE, outboxPending: 0, retryAt: null }, before)).toMatchObject({ outbox: null, retry: null })
  })
})

describe('the Settings test result', () => {
  it('shows the server version, the latency and the schema when connected', () => {
    const text = describeTestResult({ ok: true, serverVersion: 'PostgreSQL 16.4', latencyMs: 7, schemaVersion: null, knownSchemaVersion: 3, error: null })
    expect(text.ok).toBe(true)
    expect(text.headline).toBe('Connected')
    expect(text.facts).toEqual(['PostgreSQL 16.4', '7 ms', 'no Jobdeck schema yet: created on the first start in shared mode (version 3)'])
    expect(describeTestResult({ ok: true, serverVersion: 'PostgreSQL 16.4', latencyMs: 7, schemaVersion: 3, knownSchemaVersion: 3, error: null }).facts[2]).toMatch(
      /version 3, as this build expects/,
    )
    expect(describeTestResult({ ok: true, serverVersion: 'PostgreSQL 16.4', latencyMs: 7, schemaVersion: 2, knownSchemaVersion: 3, error: null }).facts[2]).toMatch(
      /upgraded to 3/,
    )
  })

  it('says what failed and what to try', () => {
    const refused = describeTestResult({
      ok: false,
      serverVersion: null,
      latencyMs: null,
      schemaVersion: null,
      knownSchemaVersion: 3,
      error: 'could not reach postgres://127.0.0.1:1/x: connect ECONNREFUSED 127.0.0.1:1',
    })
    expect(refused).toMatchObject({ ok: false, headline: 'Could not connect', facts: [] })
    expect(refused.hint).toMatch(/Nothing accepts connections/)
    const tooNew = describeTestResult({
      ok: false,
      serverVersion: 'PostgreSQL 16.4',
      latencyMs: 3,
      schemaVersion: 9,
      knownSchemaVersion: 3,
      error: 'the database has Jobdeck schema version 9, newer than this Jobdeck understands (3); upgrade Jobdeck first',
    })
    expect(tooNew.headline).toMatch(/cannot be used/)
    expect(tooNew.hint).toMatch(/Upgrade/)
    expect(connectionHint('password authentication failed for user "jd"')).toMatch(/user name and password/)
    expect(connectionHint('empty password returned by client (28P01)')).toMatch(/user name and password/)
    expect(connectionHint('database "nope" does not exist')).toMatch(/Create the database/)
    expect(connectionHint('getaddrinfo ENOTFOUND db.internal')).toMatch(/does not resolve/)
    expect(connectionHint('timeout expired')).toMatch(/No answer in time/)
    expect(connectionHint('Connection ended')).toMatch(/connection dropped/)
    expect(connectionHint('something else')).toMatch(/Check the URL/)
  })
})
