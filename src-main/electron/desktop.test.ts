import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { RunnerStatus } from '../../src-shared/domain'
import type { CallResult } from '../../src-shared/wire'
import { DesktopSettingsStore } from './desktop-settings'
import { DesktopShell, type DesktopEngine } from './desktop'
import { FakeNotification, FakeTray, resetFakeElectron } from './test-support/fake-electron'
import { job, status } from './test-support/domain-objects'

vi.mock('electron', async () => (await import('./test-support/fake-electron')).fakeElectron())

class FakeEngine implements DesktopEngine {
  readonly calls: Array<[string, unknown]> = []
  current: RunnerStatus = status([])
  paused = false
  stopped = 0
  private readonly listeners = new Set<(name: string, payload: unknown) => void>()
  async call(method: string, args: unknown): Promise<never> {
    this.calls.push([method, args])
    const answer = (value: unknown): CallResult => ({ ok: true, value })
    if (method === 'runner.status') return answer(this.current) as never
    if (method === 'config.get') return answer({ types: [{ name: 'report', title: 'Daily report' }] }) as never
    return answer({}) as never
  }
  onAny(listener: (name: string, payload: unknown) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
  emit(name: string, payload: unknown): void {
    for (const l of this.listeners) l(name, payload)
  }
  async stop(): Promise<void> {
    this.stopped++
  }
}

let dir: string
let engine: FakeEngine
let settings: DesktopSettingsStore
let shown: Array<string | undefined>
let focused: boolean
let quitRequests: number
let shell: DesktopShell

beforeEach(() => {
  vi.useFakeTimers()
  dir = mkdtempSync(join(tmpdir(), 'jobdeck-desktop-'))
  engine = new FakeEngine()
  settings = DesktopSettingsStore.inDir(dir)
  shown = []
  focused = false
  quitRequests = 0
})

afterEach(() => {
  shell.dispose()
  vi.useRealTimers()
  resetFakeElectron()
  rmSync(dir, { recursive: true, force: true })
})

function start(ask: () => Promise<number> = async () => 3): DesktopShell {
  shell = new DesktopShell({
    engine,
    settings,
    resourcesDir: '/res',
    platform: 'linux',
    showWindow: (route) => shown.push(route),
    windowFocused: () => focused,
    requestQuit: () => {
      quitRequests++
      if (shell.quitFlow.beforeQuit()) quitRequests += 100
    },
    ask,
    log: () => {},
  })
  shell.engineStarted()
  return shell
}

const tray = (): FakeTray => FakeTray.all[0]!

describe('DesktopShell', () => {
  it('a job failing after its retries: one notification, tray attention, the click opens its run, looking clears it', async () => {
    start()
    await vi.advanceTimersByTimeAsync(1_000)
    engine.current = status([['R1', 10]], 2)
    engine.emit('job.changed', { job: job('JR1', 'running') })
    await vi.advanceTimersByTimeAsync(1_000)
    expect(tray().images.at(-1)).toMatch(/tray-running-32\.png$/)

    engine.emit('job.changed', { job: job('JR1', 'retrying', { error: 'boom' }) })
    engine.current = status([], 2)
    engine.emit('job.changed', { job: job('JR1', 'failed', { error: 'boom\ntrace', attempts: 2, lastRunId: 'R1b' }) })
    await vi.advanceTimersByTimeAsync(3_000)
    expect(FakeNotification.all.map((n) => n.options)).toEqual([{ title: 'Daily report failed after 2 attempts', body: 'boom', urgency: 'normal' }])
    expect(tray().images.at(-1)).toMatch(/tray-attention-32\.png$/)
    expect(tray().tooltips.at(-1)).toBe('0 running · 2 queued · 1 failed')

    FakeNotification.all[0]!.emit('click')
    expect(shown).toEqual(['/history?run=R1b'])
    shell.windowSeen()
    await vi.advanceTimersByTimeAsync(1_000)
    expect(tray().images.at(-1)).toMatch(/tray-idle-32\.png$/)
  })

  it("an alert of a desktop channel (alert.desktop from the engine) is shown at once, critical ones as critical, and its click opens its run", async () => {
    start()
    engine.emit('alert.desktop', { title: 'Daily report failed', body: 'exit code 3: ENOSPC', target: '/history?run=R9', urgency: 'critical', tag: 'alert:7' })
    expect(FakeNotification.all.map((n) => n.options)).toEqual([{ title: 'Daily report failed', body: 'exit code 3: ENOSPC', urgency: 'critical' }])
    FakeNotification.all[0]!.emit('click')
    expect(shown).toEqual(['/history?run=R9'])
    settings.update({ notifications: { ...settings.get().notifications, enabled: false } })
    engine.emit('alert.desktop', { title: 'Another', body: 'b', target: '/queue', urgency: 'normal', tag: 'alert:8' })
    expect(FakeNotification.all).toHaveLength(1)
  })

  it('steers the runner and quits from the tray menu', async () => {
    start()
    await vi.advanceTimersByTimeAsync(1_000)
    tray().click('Pause runner')
    expect(engine.calls).toContainEqual(['runner.pause', {}])
    engine.emit('runner.changed', { paused: true, state: 'paused' })
    await vi.advanceTimersByTimeAsync(1_000)
    tray().click('Resume runner')
    expect(engine.calls).toContainEqual(['runner.resume', {}])
    tray().click('Show Jobdeck')
    expect(shown).toEqual([undefined])

    tray().click('Quit Jobdeck')
    await vi.advanceTimersByTimeAsync(0)
    // Nothing ran: no question, the engine stopped, the app quit.
    expect(engine.stopped).toBe(1)
    expect(quitRequests).toBe(102)
  })

  it('quitting while a job runs asks; "wait" stops this runner claiming (no shared pause) and quits once it finished', async () => {
    const ask = vi.fn(async () => 0)
    start(ask)
    engine.current = status([['R1', 50]])
    tray().click('Quit Jobdeck')
    await vi.advanceTimersByTimeAsync(0)
    expect(ask).toHaveBeenCalledTimes(1)
    expect(engine.calls).toContainEqual(['runner.drain', { draining: true }])
    expect(engine.calls).not.toContainEqual(['runner.pause', {}])
    expect(settings.get().resumeRunnerOnStart).toBe(false)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(tray().tooltips.at(-1)).toMatch(/quitting when done/)
    expect(engine.stopped).toBe(0)
    engine.current = status([])
    engine.emit('run.changed', { run: { id: 'R1' } })
    await vi.advanceTimersByTimeAsync(0)
    expect(engine.stopped).toBe(1)
    expect(quitRequests).toBe(102)
  })

  it('closing hides the window with a hint the first time only, or quits when set so', () => {
    start()
    expect(shell.windowClosing()).toEqual({ action: 'hide', hint: true })
    expect(FakeNotification.all.map((n) => n.options.title)).toEqual(['Jobdeck is still running'])
    expect(shell.windowClosing()).toEqual({ action: 'hide', hint: false })
    expect(FakeNotification.all).toHaveLength(1)
    expect(DesktopSettingsStore.inDir(dir).get().closeHintShown).toBe(true)
    settings.update({ quitOnClose: true })
    expect(shell.windowClosing()).toEqual({ action: 'quit' })
  })

  it('does not mark a failure unseen while the window has the focus', async () => {
    start()
    focused = true
    engine.emit('job.changed', { job: job('J1', 'failed') })
    await vi.advanceTimersByTimeAsync(1_000)
    expect(tray().images.at(-1)).toMatch(/tray-idle-32\.png$/)
  })
})
