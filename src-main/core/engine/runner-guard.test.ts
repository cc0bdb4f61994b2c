import { afterEach, describe, expect, it } from 'vitest'
import type { Job } from '../../../src-shared/domain'
import { makeTestEnv, waitFor, waitForTerminal, type TestEnv } from '../test-support/test-env'
import { startRunnerWhenFree } from './runner-guard'

const CONFIG = 'jobs:\n  nap:\n    command: [node, scripts/sleep.js, "10"]\n'

let env: TestEnv
afterEach(() => env.cleanup())

describe('startRunnerWhenFree', () => {
  it('runs when the lock is free', () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const guard = startRunnerWhenFree(core)
    expect(guard.state).toBe('running')
    expect(guard.message).toBeNull()
    expect(core.runner()).not.toBeNull()
    guard.stop()
  })

  it('stands by while another runner holds the lock, follows its work, then takes over', async () => {
    env = makeTestEnv(CONFIG)
    const holder = env.open()
    holder.startRunner()
    const standby = env.open()
    const lines: string[] = []
    let tookOver = 0
    const guard = startRunnerWhenFree(standby, { retryMs: 50, followMs: 20, log: (l) => lines.push(l), onTakeOver: () => tookOver++ })
    try {
      expect(guard.state).toBe('standby')
      expect(guard.message).toMatch(/another runner \(pid \d+/)
      expect(lines[0]).toMatch(/^runner in standby: /)

      const seen: Job[] = []
      standby.events.on('job.changed', ({ job }) => seen.push(job))
      const first = await standby.api['jobs.enqueue']({ type: 'nap', params: {} })
      await waitFor(() => seen.some((j) => j.id === first.id && j.status === 'succeeded'), 20_000, 'the holder ran it, the standby saw it')
      expect(standby.runner()).toBeNull()

      await holder.close()
      await waitFor(() => guard.state === 'running', 5_000, 'take over')
      expect(tookOver).toBe(1)
      const second = await standby.api['jobs.enqueue']({ type: 'nap', params: {} })
      const [done] = await waitForTerminal(standby, [second.id])
      expect(done?.status).toBe('succeeded')
    } finally {
      guard.stop()
    }
  })
})
