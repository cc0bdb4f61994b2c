// Event subscriptions by name, as both renderer bridges (IPC and WebSocket) keep them.

export interface Subscribers {
  /** Adds a listener; returns its unsubscribe function. */
  add(name: string, listener: (payload: unknown) => void): () => void
  /** Calls every listener of `name`; one that throws does not stop the others. */
  deliver(name: string, payload: unknown): void
}

export function createSubscribers(): Subscribers {
  const byName = new Map<string, Set<(payload: unknown) => void>>()
  return {
    add(name, listener) {
      let set = byName.get(name)
      if (!set) {
        set = new Set()
        byName.set(name, set)
      }
      // Wrapped, so subscribing the same function twice gives two independent subscriptions.
      const own = (payload: unknown): void => listener(payload)
      set.add(own)
      return () => {
        set.delete(own)
      }
    },
    deliver(name, payload) {
      for (const listener of byName.get(name) ?? []) {
        try {
          listener(payload)
        } catch (error) {
          console.error(`jobdeck: a listener of ${name} threw`, error)
        }
      }
    },
  }
}
