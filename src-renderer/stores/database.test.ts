import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { DatabaseState, ConnectionTestResult } from '../../src-shared/connection'
import { LOCAL, OFFLINE, ONLINE } from '../test-support/database-states'
import { FakeBridge } from '../test-support/fake-bridge'

const bridge = new FakeBridge()
vi.mock('../ipc', () => ({
  call: (method: never, args: unknown) => bridge.call(method, args),
  on: (event: never, listener: never) => bridge.on(event, listener),
}))
const { useDatabaseStore } = await import('./database')

describe('useDatabaseStore', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    bridge.reset()
  })

  it('loads the state once started, and a second start neither reloads nor subscribes twice', async () => {
    bridge.answer('connection.get', () => LOCAL)
    const store = useDatabaseStore()
    expect(store.state).toBeNull()
    store.start()
    store.start()
    await vi.waitFor(() => expect(store.state).not.toBeNull())
    expect(store.mode).toBe('local')
    expect(store.shared).toBe(false)
    expect(store.offline).toBe(false)
    expect(bridge.count('connection.get')).toBe(1)
    bridge.emit('connection.changed', { connection: ONLINE })
    expect(store.state).toBe(ONLINE)
  })

  it('follows connection.changed: online, offline (with the outbox and the retry), online again; no calls', async () => {
    bridge.answer('connection.get', () => ONLINE)
    const store = useDatabaseStore()
    store.start()
    await vi.waitFor(() => expect(store.state?.status).toBe('online'))
    expect(store.shared).toBe(true)
    expect(store.offline).toBe(false)
    bridge.emit('connection.changed', { connection: OFFLINE })
    expect(store.offline).toBe(true)
    expect(store.state?.outboxPending).toBe(3)
    expect(store.state?.error).toMatch(/ECONNREFUSED/)
    bridge.emit('connection.changed', { connection: { ...ONLINE, lastSyncAt: '2026-03-01T10:44:00.000Z' } })
    expect(store.offline).toBe(false)
    expect(store.state?.lastSyncAt).toBe('2026-03-01T10:44:00.000Z')
    expect(bridge.calls.map((c) => c.method)).toEqual(['connection.get'])
  })

  it('keeps an event that arrives while connection.get is on its way: the late answer is older', async () => {
    let answer: (value: DatabaseState) => void = () => undefined
    bridge.answer('connection.get', () => new Promise<DatabaseState>((resolve) => (answer = resolve)))
    const store = useDatabaseStore()
    store.start()
    await vi.waitFor(() => expect(bridge.count('connection.get')).toBe(1))
    bridge.emit('connection.changed', { connection: OFFLINE })
    answer(ONLINE)
    await new Promise((r) => setTimeout(r, 0))
    expect(store.state).toBe(OFFLINE)
    // A reload later (after the window's own link came back) applies again.
    bridge.answer('connection.get', () => ONLINE)
    await store.load()
    expect(store.state).toBe(ONLINE)
  })

  it('says why it could not load, and clears that once it knows', async () => {
    bridge.answer('connection.get', () => {
      throw new Error('connection.get: Jobdeck is not reachable')
    })
    const store = useDatabaseStore()
    store.start()
    await vi.waitFor(() => expect(store.error).toMatch(/not reachable/))
    expect(store.state).toBeNull()
    expect(store.offline).toBe(false)
    bridge.emit('connection.changed', { connection: OFFLINE })
    expect(store.error).toBeNull()
    expect(store.offline).toBe(true)
  })

  it('tests and saves through the API, sending a password only when one is typed', async () => {
    const result: ConnectionTestResult = {
      ok: true,
      serverVersion: 'PostgreSQL 16.4',
      latencyMs: 4,
      schemaVersion: 3,
      knownSchemaVersion: 3,
      error: null,
    }
    bridge.answer('connection.test', () => result)
    bridge.answer('connection.save', () => ({ path: '/etc/jobdeck.yaml', restartRequired: true, password: 'not-given' as const }))
    const store = useDatabaseStore()
    await expect(store.test('postgres://jd@db:5432/jobdeck')).resolves.toBe(result)
    await store.test('postgres://jd@db:5432/jobdeck', 's3cret')
    await expect(store.save({ url: 'postgres://jd@db:5432/jobdeck', allowInsecure: false })).resolves.toMatchObject({ restartRequired: true })
    expect(bridge.calls.map((c) => c.args)).toEqual([
      { url: 'postgres://jd@db:5432/jobdeck' },
      { url: 'postgres://jd@db:5432/jobdeck', password: 's3cret' },
      { url: 'postgres://jd@db:5432/jobdeck', allowInsecure: false },
    ])
  })
})
