// runner.drain: this process's runner takes no new jobs while the running ones finish (the app
// uses it before quitting); unlike pause it is neither persisted nor shared.
import { afterEach, describe, expect, it } from 'vitest'
import { makeTestEnv, sleep, waitForTerminal, type TestEnv } from '../test-support/test-env'

let env: TestEnv
afterEach(() => env.cleanup())

describe('runner.drain', () => {
  it('lets the running job finish, starts nothing new until undrained, and leaves the queue unpaused', async () => {
    env = makeTestEnv(`
jobs:
  nap:
    command: [node, scripts/sleep.js, "{ms}"]
    params: { ms: { type: integer, default: 300 } }
`)
    const core = env.open()
    core.startRunner()
    const first = await core.api['jobs.enqueue']({ type: 'nap', params: {} })
    await sleep(100)
    expect(await core.api['runner.drain']({ draining: true })).toEqual({ draining: true })
    const second = await core.api['jobs.enqueue']({ type: 'nap', params: { ms: 10 } })
    await waitForTerminal(core, [first.id])
    await sleep(300)
    expect(core.store.getJob(second.id).status).toBe('queued')
    const status = await core.api['runner.status']({ limit: 10 })
    expect(status).toMatchObject({ draining: true, paused: false })
    await core.api['runner.drain']({ draining: false })
    await waitForTerminal(core, [second.id])
    expect(core.store.isPaused()).toBe(false)
  })

  it('says so when this process runs no runner', async () => {
    env = makeTestEnv('jobs:\n  a:\n    command: ["true"]\n')
    const core = env.open()
    await expect(core.api['runner.drain']({ draining: true })).rejects.toThrow(/runs no runner/)
  })
})
