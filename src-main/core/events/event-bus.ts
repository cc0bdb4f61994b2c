import type { EventMap, EventName } from '../../../src-shared/events'

type Listener<E extends EventName> = (payload: EventMap[E]) => void

/** A typed, synchronous event bus. A throwing listener never stops the engine or other listeners. */
export class EventBus {
  private readonly listeners = new Map<EventName, Set<Listener<EventName>>>()
  private readonly anyListeners = new Set<<E extends EventName>(name: E, payload: EventMap[E]) => void>()

  on<E extends EventName>(name: E, listener: Listener<E>): () => void {
    let set = this.listeners.get(name)
    if (!set) {
      set = new Set()
      this.listeners.set(name, set)
    }
    set.add(listener as Listener<EventName>)
    return () => set.delete(listener as Listener<EventName>)
  }

  /** Every event, for transports that relay all of them. */
  onAny(listener: <E extends EventName>(name: E, payload: EventMap[E]) => void): () => void {
    this.anyListeners.add(listener)
    return () => this.anyListeners.delete(listener)
  }

  emit<E extends EventName>(name: E, payload: EventMap[E]): void {
    for (const listener of this.listeners.get(name) ?? []) {
      try {
        listener(payload)
      } catch (error) {
        console.error(`jobdeck: a listener of ${name} threw`, error)
      }
    }
    for (const listener of this.anyListeners) {
      try {
        listener(name, payload)
      } catch (error) {
        console.error(`jobdeck: an event relay threw on ${name}`, error)
      }
    }
  }
}
