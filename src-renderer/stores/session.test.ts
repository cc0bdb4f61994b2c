import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeBridge } from '../test-support/fake-bridge'

const bridge = new FakeBridge()
let transport: 'ipc' | 'websocket' = 'websocket'
vi.mock('../ipc', () => ({
  call: (method: never, args: unknown) => bridge.call(method, args),
  on: (event: never, listener: never) => bridge.on(event, listener),
  transportKind: () => transport,
}))
const { useSessionStore } = await import('./session')
const { roleCan, useAccess } = await import('../composables/access')

const flush = (): Promise<void> => new Promise((r) => setTimeout(r, 0))

describe("the window's session and what its role may do", () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    bridge.reset()
    transport = 'websocket'
  })

  it('a viewer logged in with a token reads everything and changes nothing; it may log out', async () => {
    bridge.answer('session.get', () => ({ who: 'wall-screen', role: 'viewer' }))
    const store = useSessionStore()
    const { can } = useAccess()
    store.start()
    await flush()
    expect(store.session).toEqual({ who: 'wall-screen', role: 'viewer' })
    expect(store.withToken).toBe(true)
    for (const m of ['runs.list', 'runner.status', 'jobs.get', 'audit.list', 'config.get'] as const) expect(can(m), m).toBe(true)
    for (const m of ['jobs.enqueue', 'jobs.cancel', 'runner.pause', 'schedules.runNow', 'config.reload', 'retention.run'] as const) expect(can(m), m).toBe(false)
  })

  it('an operator runs the queue but leaves config, connections, tokens and clearing history to an admin', () => {
    for (const m of ['jobs.enqueue', 'jobs.cancel', 'jobs.retry', 'jobs.setPriority', 'runner.pause', 'schedules.pause', 'sources.markFailed', 'alerts.snooze'] as const) expect(roleCan('operator', m), m).toBe(true)
    for (const m of ['config.reload', 'connection.save', 'connection.test', 'tokens.create', 'retention.run', 'jobs.clear'] as const) expect(roleCan('operator', m), m).toBe(false)
    expect(roleCan('admin', 'tokens.create')).toBe(true)
  })

  it('a browser shows nothing that changes anything until the server says who it is, nor when it cannot say', async () => {
    let answer: (value: { who: string; role: 'admin' }) => void = () => {}
    bridge.answer('session.get', () => new Promise((resolve) => (answer = resolve)))
    const store = useSessionStore()
    const { can } = useAccess()
    store.start()
    expect(can('jobs.cancel')).toBe(false)
    expect(can('runs.list')).toBe(false)
    answer({ who: 'browser', role: 'admin' })
    await flush()
    expect(can('jobs.cancel')).toBe(true)
    // The owner's printed URL is not a token login: no Log out.
    expect(store.withToken).toBe(false)

    setActivePinia(createPinia())
    bridge.answer('session.get', () => Promise.reject(new Error('unauthorized: log in again')))
    const refused = useSessionStore()
    refused.start()
    await flush()
    expect(refused.error).toBe('unauthorized: log in again')
    expect(useAccess().can('jobs.cancel')).toBe(false)
  })

  it("the desktop's window is the owner from the first paint, before session.get answers", () => {
    transport = 'ipc'
    bridge.answer('session.get', () => new Promise(() => {}))
    const store = useSessionStore()
    store.start()
    expect(store.session).toEqual({ who: 'desktop', role: 'admin' })
    expect(useAccess().can('config.reload')).toBe(true)
    expect(store.withToken).toBe(false)
  })
})
