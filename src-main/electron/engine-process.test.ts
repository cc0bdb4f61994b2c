import { EventEmitter } from 'node:events'
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { makeTestEnv, waitFor, type TestEnv } from '../core/test-support/test-env'
import { MemorySecretStore } from '../core/secrets/secret-store'
import { restartDelay, startEngineProcess, type ForkUtility, type UtilityProcessLike } from './engine-process'

vi.mock('electron', () => ({ utilityProcess: { fork: () => ({}) } }))

class FakeEngine extends EventEmitter implements UtilityProcessLike {
  static all: FakeEngine[] = []
  readonly pid = 1000 + FakeEngine.all.length
  readonly received: unknown[] = []
  killed = 0
  constructor(
    readonly modulePath: string,
    readonly args: string[],
    readonly options: unknown,
  ) {
    super()
    FakeEngine.all.push(this)
  }
  ready(): void {
    this.emit('message', { kind: 'ready', info: { pid: this.pid, dataDir: '/d', configPath: '/c', runner: 'running', runnerMessage: null } })
  }
  postMessage(message: unknown): void {
    this.received.push(message)
    const m = message as { kind: string; id: number; method: string }
    if (m.kind === 'call') queueMicrotask(() => this.emit('message', { kind: 'result', id: m.id, result: { ok: true, value: `${m.method}@${this.pid}` } }))
    if (m.kind === 'shutdown' && !this.ignoreShutdown) queueMicrotask(() => this.emit('exit', 0))
  }
  ignoreShutdown = false
  kill(): boolean {
    this.killed++
    queueMicrotask(() => this.emit('exit', 15))
    return true
  }
  crash(code = 1): void {
    this.emit('exit', code)
  }
}

const fakeFork: ForkUtility = (modulePath, args, options) => new FakeEngine(modulePath, args, options)

afterEach(() => {
  FakeEngine.all = []
  vi.useRealTimers()
})

const latest = (): FakeEngine => FakeEngine.all[FakeEngine.all.length - 1]!

describe('restartDelay', () => {
  it('doubles up to the cap', () => {
    const b = { initialMs: 500, maxMs: 4_000, stableMs: 60_000 }
    expect([1, 2, 3, 4, 5, 9].map((n) => restartDelay(n, b))).toEqual([500, 1000, 2000, 4000, 4000, 4000])
  })
})

describe('engine process supervisor', () => {
  it('starts the engine entry with the data dir and config, and relays calls once ready', async () => {
    const engine = startEngineProcess({ enginePath: '/app/out/main/engine.js', dataDir: '/data', configPath: '/cfg.yaml', fork: fakeFork, log: () => {} })
    const child = latest()
    expect(child.modulePath).toBe('/app/out/main/engine.js')
    expect(child.args).toEqual(['--data-dir=/data', '--config=/cfg.yaml'])
    expect(child.options).toMatchObject({ serviceName: 'Jobdeck engine' })
    const pending = engine.callRaw('runner.status', {})
    child.ready()
    expect(await pending).toEqual({ ok: true, value: `runner.status@${child.pid}` })
    expect(engine.info?.pid).toBe(child.pid)
  })

  it('adds the env variables asked for at every start to the inherited environment, and inherits it as is without', async () => {
    vi.useFakeTimers()
    let password = 'first'
    const engine = startEngineProcess({ enginePath: '/e.js', fork: fakeFork, log: () => {}, backoff: { initialMs: 10 }, env: () => ({ PGPASSWORD: password }) })
    const first = latest()
    const env = (first.options as { env: NodeJS.ProcessEnv }).env
    expect(env['PGPASSWORD']).toBe('first')
    expect(env['PATH']).toBe(process.env['PATH'])
    password = 'changed'
    first.crash()
    await vi.advanceTimersByTimeAsync(10)
    expect((latest().options as { env: NodeJS.ProcessEnv }).env['PGPASSWORD']).toBe('changed')
    latest().ready()
    await engine.stop()

    startEngineProcess({ enginePath: '/e.js', fork: fakeFork, log: () => {}, env: () => ({}) })
    expect(latest().options).not.toHaveProperty('env')
  })

  it("answers the engine's secret port from the keychain, telling each engine start how well it keeps secrets", async () => {
    const keychain = new MemorySecretStore('insecure')
    await keychain.set('postgres:jd@db:5432/q', 'pw', { allowInsecure: true })
    const engine = startEngineProcess({ enginePath: '/e.js', fork: fakeFork, log: () => {}, secrets: keychain })
    const child = latest()
    expect((child.options as { env: NodeJS.ProcessEnv }).env['JOBDECK_KEYCHAIN']).toBe('insecure')
    child.ready()
    child.emit('message', { kind: 'secret', id: 1, op: 'get', key: 'postgres:jd@db:5432/q' })
    child.emit('message', { kind: 'secret', id: 2, op: 'set', key: 'postgres:jd@db:5432/q', value: 'new', allowInsecure: false })
    await vi.waitFor(() => expect(child.received.filter((m) => (m as { kind: string }).kind === 'secretReply')).toHaveLength(2))
    expect(child.received).toContainEqual({ kind: 'secretReply', id: 1, ok: true, value: 'pw' })
    expect(child.received).toContainEqual({ kind: 'secretReply', id: 2, ok: false, error: expect.stringMatching(/explicit choice/) })
    expect(await keychain.get('postgres:jd@db:5432/q')).toBe('pw')
    await engine.stop()

    // Without a keychain the engine is told nothing and its requests are refused.
    startEngineProcess({ enginePath: '/e.js', fork: fakeFork, log: () => {} })
    const plain = latest()
    expect(plain.options).not.toHaveProperty('env')
    plain.ready()
    plain.emit('message', { kind: 'secret', id: 1, op: 'get', key: 'k' })
    await vi.waitFor(() => expect(plain.received).toContainEqual({ kind: 'secretReply', id: 1, ok: false, error: expect.stringMatching(/keeps no secrets/) }))
  })

  it('restarts a dead engine with growing backoff, keeping event subscribers', async () => {
    vi.useFakeTimers()
    const logs: string[] = []
    const engine = startEngineProcess({ enginePath: '/e.js', fork: fakeFork, log: (l) => logs.push(l), backoff: { initialMs: 100, maxMs: 1000 } })
    const events: string[] = []
    engine.onAny((name) => events.push(name))
    const first = latest()
    first.ready()
    first.emit('message', { kind: 'event', name: 'job.changed', payload: {} })

    // A call in flight when it dies resolves unavailable; calls while it is down too.
    const inFlight = engine.callRaw('jobs.retry', { id: 'J' })
    first.emit('message', { kind: 'fatal', error: { code: 'unavailable', message: 'cannot open the database /x' } })
    first.crash(9)
    expect(await inFlight).toMatchObject({ ok: false, error: { code: 'unavailable' } })
    expect(await engine.callRaw('runner.status', {})).toMatchObject({ ok: false, error: { code: 'unavailable', message: 'runner.status: the engine is restarting (cannot open the database /x)' } })

    expect(FakeEngine.all).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(99)
    expect(FakeEngine.all).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(FakeEngine.all).toHaveLength(2)
    latest().crash()
    await vi.advanceTimersByTimeAsync(199)
    expect(FakeEngine.all).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(1)
    expect(FakeEngine.all).toHaveLength(3)
    expect(engine.restarts).toBe(2)

    const third = latest()
    third.ready()
    third.emit('message', { kind: 'event', name: 'run.changed', payload: {} })
    expect(events).toEqual(['job.changed', 'run.changed'])
    expect(await engine.callRaw('config.get', {})).toEqual({ ok: true, value: `config.get@${third.pid}` })
    expect(logs.some((l) => /exited \(code 9\)/.test(l))).toBe(true)
  })

  it('stops cleanly: asks for shutdown, does not restart', async () => {
    vi.useFakeTimers()
    const engine = startEngineProcess({ enginePath: '/e.js', fork: fakeFork, log: () => {} })
    const child = latest()
    child.ready()
    await engine.stop()
    expect(child.received).toContainEqual({ kind: 'shutdown' })
    expect(child.killed).toBe(0)
    await vi.advanceTimersByTimeAsync(120_000)
    expect(FakeEngine.all).toHaveLength(1)
    expect(await engine.callRaw('runner.status', {})).toMatchObject({ ok: false, error: { code: 'unavailable' } })
  })

  it('kills an engine that does not stop in time', async () => {
    vi.useFakeTimers()
    const engine = startEngineProcess({ enginePath: '/e.js', fork: fakeFork, log: () => {}, stopTimeoutMs: 1_000 })
    const child = latest()
    child.ready()
    child.ignoreShutdown = true
    const stopped = engine.stop()
    await vi.advanceTimersByTimeAsync(1_000)
    await stopped
    expect(child.killed).toBe(1)
  })
})

describe('engine process supervisor with the real engine entry', () => {
  let env: TestEnv
  afterEach(() => env.cleanup())

  it('restarts the real engine after kill -9 and serves again', async () => {
    env = makeTestEnv('jobs:\n  nap:\n    command: [node, scripts/sleep.js, "10"]\n')
    const entry = fileURLToPath(new URL('../core/engine-entry.ts', import.meta.url))
    const children: ReturnType<typeof fork>[] = []
    // child_process.fork dressed as a utilityProcess.
    const forkNode: ForkUtility = (modulePath, args) => {
      const child = fork(modulePath, args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'ignore', 'ipc'] })
      children.push(child)
      const proc = Object.assign(new EventEmitter(), {
        pid: child.pid,
        postMessage: (m: unknown) => void child.send(m as object),
        kill: () => child.kill('SIGTERM'),
      })
      child.on('message', (m) => proc.emit('message', m))
      child.on('exit', (code) => proc.emit('exit', code ?? 137))
      return proc as unknown as UtilityProcessLike
    }
    const engine = startEngineProcess({ enginePath: entry, dataDir: env.dataDir, configPath: env.configPath, fork: forkNode, log: () => {}, backoff: { initialMs: 50 } })
    try {
      const first = await engine.call('jobs.enqueue', { type: 'nap' })
      expect(first.ok).toBe(true)
      children[0]!.kill('SIGKILL')
      await waitFor(() => children.length === 2, 10_000, 'a restarted engine')
      // Calls resolve `unavailable` until the new engine is up, then it answers.
      let answer = await engine.call('runner.status', {})
      for (const deadline = Date.now() + 20_000; !answer.ok && Date.now() < deadline; ) {
        expect(answer).toMatchObject({ ok: false, error: { code: 'unavailable' } })
        await new Promise((r) => setTimeout(r, 50))
        answer = await engine.call('runner.status', {})
      }
      expect(answer.ok).toBe(true)
      expect(engine.restarts).toBe(1)
    } finally {
      await engine.stop()
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    }
    expect(children[1]!.exitCode).toBe(0)
  })
})
