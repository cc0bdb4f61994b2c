// The runner against an engine that answers later (as PostgreSQL does), without a database:
// what the operator sees of pause and of the runner's identity does not depend on the engine.
import { afterEach, describe, expect, it } from 'vitest'
import { parseConfigText } from '../config/load-config'
import type { ControlState, FinishOutcome, QueueEngine } from '../engines/queue-engine'
import { EventBus } from '../events/event-bus'
import type { ClaimedWork } from '../store/store-types'
import type { ScheduleStore } from '../store/schedule-store'
import { Runner } from './runner'
import { newRunnerIdentity, pidOfRunnerId } from '../engines/runner-id'

const loaded = parseConfigText('jobs:\n  nap:\n    command: [node, -e, "0"]\n', 'test.yaml')
if (!loaded.ok) throw new Error('test config')
const config = loaded.config

/** An engine with an empty queue whose control state the test sets; every answer comes a turn later. */
function laterEngine(control: ControlState): QueueEngine {
  const later = <T>(value: T): Promise<T> => new Promise((resolve) => setImmediate(() => resolve(value)))
  return {
    batching: 'turn',
    startsAtClaim: false,
    // The runner never asks for schedules: the scheduler beside it does.
    schedules: {} as ScheduleStore,
    acquireLock: () => ({ ok: true }),
    heartbeatLock: () => true,
    startsSince: () => [],
    releaseLock: () => undefined,
    start: () => [],
    pausedNow: () => false,
    claim: () => later<ClaimedWork[]>([]),
    finishAndClaim: () => later<FinishOutcome>({ claimed: [], claimsDurable: null, announced: Promise.resolve() }),
    control: () => later({ ...control }),
    recordStart: () => undefined,
    saveProgress: () => undefined,
    appendLogs: () => undefined,
    nextRunAfter: () => null,
    hasPendingWork: () => later(false),
    missingType: (type) => `no ${type}`,
    halt: () => undefined,
    handBack: () => Promise.resolve(),
  }
}

let runner: Runner | null = null
afterEach(async () => {
  await runner?.stop()
  runner = null
})

describe('one runner over an engine that answers later', () => {
  it('a pause read from the shared state is announced once, and so is the resume', async () => {
    const control: ControlState = { paused: false, cancel: [] }
    const events = new EventBus()
    const changes: Array<{ paused: boolean; state: string }> = []
    events.on('runner.changed', (change) => changes.push(change))
    runner = new Runner({ engine: laterEngine(control), events, config: () => config, executorFor: () => ({ execute: () => Promise.reject(new Error('no work')) }) })
    runner.start()
    await runner.whenIdle()
    expect(changes).toEqual([{ paused: false, state: 'idle' }])
    control.paused = true
    await runner.refresh()
    await runner.refresh()
    expect(runner.isPaused).toBe(true)
    control.paused = false
    await runner.refresh()
    expect(changes).toEqual([
      { paused: false, state: 'idle' },
      { paused: true, state: 'paused' },
      { paused: false, state: 'idle' },
    ])
  })

  it("a runner's id is made once and its pid read back from it, whatever the host name holds", () => {
    const me = newRunnerIdentity(Date.now())
    expect(me.runnerId.startsWith(`${me.host}:`)).toBe(true)
    expect(pidOfRunnerId(me.runnerId)).toBe(process.pid)
    expect(pidOfRunnerId('build:box:4242:lq2x0')).toBe(4242)
    expect(pidOfRunnerId('not-a-runner')).toBeNull()
  })
})
