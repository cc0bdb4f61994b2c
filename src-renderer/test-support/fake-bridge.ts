// A stand-in for the engine in store tests: answers calls from a table, lets the test emit events.
import type { ApiMethod, ApiResults } from '../../src-shared/api'
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
