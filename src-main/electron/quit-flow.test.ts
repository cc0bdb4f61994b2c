import { afterEach, describe, expect, it, vi } from 'vitest'
import type { RunnerStatus } from '../../src-shared/domain'
import { decideClose, QuitFlow, quitDialog, waitUntilIdle, type QuitDialog, type QuitFlowDeps } from './quit-flow'
import { status } from './test-support/domain-objects'

afterEach(() => vi.useRealTimers())

describe('decideClose', () => {
  it('hides the window with a hint the first time, quits when set so, closes while quitting', () => {
    expect(decideClose({ quitting: false, quitOnClose: false, closeHintShown: false })).toEqual({ action: 'hide', hint: true })
    expect(decideClose({ quitting: false, quitOnClose: false, closeHintShown: true })).toEqual({ action: 'hide', hint: false })
    expect(decideClose({ quitting: false, quitOnClose: true, closeHintShown: false })).toEqual({ action: 'quit' })
    expect(decideClose({ quitting: true, quitOnClose: false, closeHintShown: false })).toEqual({ action: 'close' })
  })
})

describe('quitDialog', () => {
  it('offers wait, cancel and leave interrupted, and not quitting, naming the running jobs', () => {
    const dialog = quitDialog([{ type: 'report', percent: 42.4, startedAt: '2026-03-01T10:00:00.000Z' }], { titleOf: () => 'Daily report' })
    expect(dialog.choices).toEqual(['wait', 'cancel', 'leave', 'stay'])
    expect(dialog.buttons).toEqual(['Wait for it to finish', 'Cancel it and quit', 'Quit now (mark interrupted)', "Don't quit"])
    expect(dialog.cancelId).toBe(3)
    expect(dialog.defaultId).toBe(0)
    expect(dialog.message).toBe('A job is running. Quit anyway?')
    expect(dialog.detail).toContain('• Daily report — 42%')
    expect(dialog.detail).toMatch(/marked interrupted/)
    const many = quitDialog(
      Array.from({ length: 10 }, () => ({ type: 'sync', percent: null, startedAt: '2026-03-01T10:00:00.000Z' })),
      { now: Date.parse('2026-03-01T10:02:14.000Z') },
    )
    expect(many.message).toBe('10 jobs are running. Quit anyway?')
    expect(many.detail).toContain('• sync — running 2m 14s')
    expect(many.detail).toContain('…and 2 more')
    expect(many.buttons[0]).toBe('Wait for them to finish')
  })
})

function harness(answer: QuitDialog['choices'][number] | null, current: RunnerStatus | null = status([['R1', 40]])) {
  const calls: string[] = []
  let idle!: () => void
  const deps: QuitFlowDeps = {
    status: vi.fn(async () => current),
    ask: vi.fn(async (dialog: QuitDialog) => {
      calls.push(`ask:${dialog.buttons.length}`)
      return answer === null ? dialog.cancelId : dialog.choices.indexOf(answer)
    }),
    stopClaiming: vi.fn(async () => void calls.push('drain')),
    cancelJob: vi.fn(async (id: string) => void calls.push(`cancel:${id}`)),
    waitUntilIdle: vi.fn(
      () =>
        new Promise<void>((resolve) => {
          calls.push('wait')
          idle = resolve
        }),
    ),
    stopEngine: vi.fn(async () => void calls.push('stop-engine')),
    onProgress: (state) => void calls.push(`progress:${state}`),
    quit: vi.fn(() => void calls.push('quit')),
  }
  return { flow: new QuitFlow(deps), deps, calls, finish: () => idle() }
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0))

describe('QuitFlow', () => {
  it('quits at once (stopping the engine) when nothing runs', async () => {
    const { flow, calls } = harness('wait', status([]))
    expect(flow.beforeQuit()).toBe(false)
    await settle()
    expect(calls).toEqual(['progress:null', 'stop-engine', 'quit'])
    expect(flow.beforeQuit()).toBe(true)
  })

  it('quit while a job runs asks, and "wait" stops this runner claiming, waits for it, then stops the engine and quits', async () => {
    const { flow, calls, finish } = harness('wait')
    expect(flow.beforeQuit()).toBe(false)
    await settle()
    expect(calls).toEqual(['ask:4', 'progress:waiting', 'drain', 'wait'])
    expect(flow.state).toBe('waiting')
    expect(flow.quitting).toBe(false)
    finish()
    await settle()
    expect(calls.slice(4)).toEqual(['progress:null', 'stop-engine', 'quit'])
    expect(flow.beforeQuit()).toBe(true)
  })

  it('in shared mode, runs of other instances are theirs: quitting with only those running asks nothing', async () => {
    const shared = status([['R1', 10]])
    for (const entry of shared.running) entry.run.runnerId = 'another-machine:42:x'
    const { flow, calls } = harness('wait', shared)
    flow.beforeQuit()
    await settle()
    expect(calls).toEqual(['progress:null', 'stop-engine', 'quit'])
  })

  it('"cancel" stops claiming, cancels each running job, waits for them to stop, then quits', async () => {
    const { flow, calls, finish } = harness('cancel', status([['R1', null], ['R2', 10]]))
    flow.beforeQuit()
    await settle()
    expect(calls).toEqual(['ask:4', 'progress:canceling', 'drain', 'cancel:JR1', 'cancel:JR2', 'wait'])
    finish()
    await settle()
    expect(calls.at(-1)).toBe('quit')
  })

  it('"quit now" stops the engine at once: the runs are marked interrupted by its shutdown', async () => {
    const { flow, calls } = harness('leave')
    flow.beforeQuit()
    await settle()
    expect(calls).toEqual(['ask:4', 'progress:null', 'stop-engine', 'quit'])
  })

  it('"don\'t quit" (or closing the dialog) changes nothing', async () => {
    const { flow, calls } = harness(null)
    flow.beforeQuit()
    await settle()
    expect(calls).toEqual(['ask:4'])
    expect(flow.state).toBe('idle')
  })

  it('does not touch an already paused runner', async () => {
    const { flow, calls } = harness('wait', status([['R1', 1]], 0, { paused: true, state: 'paused' }))
    flow.beforeQuit()
    await settle()
    expect(calls).toEqual(['ask:4', 'progress:waiting', 'wait'])
  })

  it('asking to quit again while waiting asks again; "quit now" then wins over the wait', async () => {
    const { flow, calls, deps, finish } = harness('wait')
    flow.beforeQuit()
    await settle()
    expect(flow.beforeQuit()).toBe(false) // a second Quit from the tray while waiting
    vi.mocked(deps.ask).mockImplementationOnce(async (d) => d.choices.indexOf('leave'))
    await settle()
    expect(calls.filter((c) => c === 'quit')).toHaveLength(1)
    finish() // the old wait ending later must not quit twice
    await settle()
    expect(calls.filter((c) => c === 'quit')).toHaveLength(1)
    expect(vi.mocked(deps.stopEngine)).toHaveBeenCalledTimes(1)
  })

  it('quits without asking when the OS ends the session', async () => {
    const { flow, calls } = harness('wait')
    expect(flow.forceQuit()).toBe(false)
    await settle()
    expect(calls).toEqual(['progress:null', 'stop-engine', 'quit'])
    expect(flow.forceQuit()).toBe(true)
  })

  it('ignores quit requests while the dialog is open', async () => {
    const { flow, deps } = harness('stay')
    let answer!: (n: number) => void
    vi.mocked(deps.ask).mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)))
    flow.beforeQuit()
    await settle()
    expect(flow.beforeQuit()).toBe(false)
    expect(deps.status).toHaveBeenCalledTimes(1)
    answer(3)
    await settle()
    expect(flow.state).toBe('idle')
  })
})

describe('waitUntilIdle', () => {
  it('resolves when an event shows the last run finished, or when the engine is gone', async () => {
    let current: RunnerStatus | null = status([['R1', 50]])
    let listener: (name: string) => void = () => {}
    const unsubscribe = vi.fn()
    let resolved = false
    const done = waitUntilIdle({
      status: async () => current,
      subscribe: (l) => {
        listener = l
        return unsubscribe
      },
    }).then(() => (resolved = true))
    await settle()
    listener('run.progress')
    await settle()
    expect(resolved).toBe(false)
    current = status([])
    listener('run.changed')
    await done
    expect(unsubscribe).toHaveBeenCalled()

    current = null
    await waitUntilIdle({ status: async () => current, subscribe: () => () => {} })
  })

  it('looks again on a timer in case an event was missed', async () => {
    vi.useFakeTimers()
    let current: RunnerStatus | null = status([['R1', 50]])
    let resolved = false
    void waitUntilIdle({ status: async () => current, subscribe: () => () => {}, pollMs: 1_000 }).then(() => (resolved = true))
    await vi.advanceTimersByTimeAsync(1_000)
    expect(resolved).toBe(false)
    current = status([])
    await vi.advanceTimersByTimeAsync(1_000)
    expect(resolved).toBe(true)
  })
})
