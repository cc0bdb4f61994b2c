// A stand-in for the engine in store tests: answers calls from a table, lets the test emit events;
// and one for the desktop app's own bridge (window.jobdeck.desktop).
import type { ApiMethod, ApiResults } from '../../src-shared/api'
import type { ApiResult, DesktopBridge } from '../../src-shared/bridge'
import { DEFAULT_DESKTOP_SETTINGS, type DesktopState, type Diagnostics, type OpenedLogs } from '../../src-shared/desktop'
import type { EventMap, EventName } from '../../src-shared/events'

type Handler<M extends ApiMethod> = (args: unknown) => ApiResults[M] | Promise<ApiResults[M]>

export class FakeBridge {
  readonly calls: Array<{ method: ApiMethod; args: unknown }> = []
  private readonly handlers = new Map<ApiMethod, Handler<ApiMethod>>()
  private readonly listeners = new Map<EventName, Set<(payload: unknown) => void>>()

  answer<M extends ApiMethod>(method: M, handler: Handler<M>): this {
    this.handlers.set(method, handler as Handler<ApiMethod>)
    return this
  }

  async call<M extends ApiMethod>(method: M, args: unknown): Promise<ApiResults[M]> {
    this.calls.push({ method, args })
    const handler = this.handlers.get(method)
    if (!handler) throw new Error(`FakeBridge: no answer for ${method}`)
    return (await handler(args)) as ApiResults[M]
  }

  on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void): () => void {
    let set = this.listeners.get(event)
    if (!set) {
      set = new Set()
      this.listeners.set(event, set)
    }
    set.add(listener as (payload: unknown) => void)
    return () => set.delete(listener as (payload: unknown) => void)
  }

  emit<E extends EventName>(event: E, payload: EventMap[E]): void {
    for (const listener of this.listeners.get(event) ?? []) listener(payload)
  }

  /** Forgets calls, answers and subscribers (between tests). */
  reset(): void {
    this.calls.length = 0
    this.handlers.clear()
    this.listeners.clear()
  }

  count(method: ApiMethod): number {
    return this.calls.filter((c) => c.method === method).length
  }
}

/** A stand-in for `window.jobdeck.desktop` (the preload's desktop bridge): records calls, answers from fields. */
export class FakeDesktopBridge implements DesktopBridge {
  readonly calls: string[] = []
  state: ApiResult<DesktopState> = { ok: true, value: { settings: DEFAULT_DESKTOP_SETTINGS, secrets: { protection: 'secure', backend: null, summary: '' } } }
  opened: ApiResult<OpenedLogs> = { ok: true, value: { folder: '/home/op/.config/Jobdeck/logs' } }
  diagnosis: ApiResult<Diagnostics> | Error = {
    ok: true,
    value: {
      versions: { app: '0.1.0', electron: '45.3.4', chrome: '142.0.0', node: '22.20.0', sqlite: '3.50.4', os: 'Linux 6.8.0 x64' },
      configPath: '/home/op/.config/Jobdeck/jobdeck.yaml',
      dataDir: '/home/op/.config/Jobdeck',
      mode: 'local',
      logFile: '/home/op/.config/Jobdeck/logs/main.log',
      logFolder: '/home/op/.config/Jobdeck/logs',
      logTail: ['[2026-01-31 10:42:07.123+01:00] [info]  engine[4242]: serving /home/op/.config/Jobdeck'],
    },
  }

  async get(): Promise<ApiResult<DesktopState>> {
    this.calls.push('get')
    return this.state
  }

  async update(): Promise<ApiResult<DesktopState>> {
    this.calls.push('update')
    return this.state
  }

  async openLogs(): Promise<ApiResult<OpenedLogs>> {
    this.calls.push('openLogs')
    return this.opened
  }

  async diagnostics(): Promise<ApiResult<Diagnostics>> {
    this.calls.push('diagnostics')
    if (this.diagnosis instanceof Error) throw this.diagnosis
    return this.diagnosis
  }
}
