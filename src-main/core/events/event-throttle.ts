// High-rate events are coalesced before they reach a window or a browser (DESIGN.md "One API,
// three transports"): log lines batched, progress latest-per-run, monitor samples latest-only,
// each sent at most once per interval. Every other event goes out at once — after whatever is
// pending, so a run's last progress and log lines never arrive after its final state.

export interface ThrottlePolicy {
  intervalMs: number
  /** Payloads with different keys are kept apart (e.g. per run); same key: merged or replaced. */
  key?: (payload: unknown) => string
  /** Folds `next` into the accumulated payload (`acc` undefined on the first); default: keep the latest. */
  merge?: (acc: unknown, next: unknown) => unknown
}

const linesOf = (payload: unknown): unknown[] => {
  const lines = (payload as { lines?: unknown } | null)?.lines
  return Array.isArray(lines) ? lines : []
}

export const DEFAULT_THROTTLE: Readonly<Record<string, ThrottlePolicy>> = {
  'run.log': {
    intervalMs: 100,
    merge: (acc, next) => {
      // The accumulator is our own copy: the bus hands the same payload to every listener.
      const merged = (acc as { lines: unknown[] } | undefined) ?? { lines: [] }
      for (const line of linesOf(next)) merged.lines.push(line)
      return merged
    },
  },
  'run.progress': {
    intervalMs: 100,
    key: (payload) => String((payload as { runId?: unknown } | null)?.runId ?? ''),
  },
  'monitor.sample': { intervalMs: 500 },
  'run.usage': {
    intervalMs: 500,
    key: (payload) => String((payload as { runId?: unknown } | null)?.runId ?? ''),
  },
}

export interface EventThrottle {
  push(name: string, payload: unknown): void
  /** Sends everything pending now. */
  flush(): void
  /** Drops anything pending and stops the timers. */
  close(): void
}

interface Slot {
  policy: ThrottlePolicy
  lastSent: number
  pending: Map<string, unknown> | null
  timer: ReturnType<typeof setTimeout> | null
}

export function createEventThrottle(
  send: (name: string, payload: unknown) => void,
  policies: Readonly<Record<string, ThrottlePolicy>> = DEFAULT_THROTTLE,
  now: () => number = Date.now,
): EventThrottle {
  const slots = new Map<string, Slot>()
  /** Names with something pending, in the order it became pending. */
  const order = new Set<string>()
  let closed = false

  const flushSlot = (name: string, slot: Slot): void => {
    if (slot.timer) clearTimeout(slot.timer)
    slot.timer = null
    const pending = slot.pending
    slot.pending = null
    order.delete(name)
    if (!pending) return
    slot.lastSent = now()
    for (const payload of pending.values()) send(name, payload)
  }

  const flush = (): void => {
    for (const name of [...order]) {
      const slot = slots.get(name)
      if (slot) flushSlot(name, slot)
    }
  }

  return {
    push(name, payload) {
      if (closed) return
      const policy = policies[name]
      if (!policy) {
        flush()
        send(name, payload)
        return
      }
      let slot = slots.get(name)
      if (!slot) {
        slot = { policy, lastSent: -Infinity, pending: null, timer: null }
        slots.set(name, slot)
      }
      const t = now()
      if (!slot.pending && t - slot.lastSent >= policy.intervalMs) {
        // Quiet for a whole interval: no reason to wait.
        slot.lastSent = t
        send(name, policy.merge ? policy.merge(undefined, payload) : payload)
        return
      }
      slot.pending ??= new Map()
      order.add(name)
      const key = policy.key?.(payload) ?? ''
      const pending = slot.pending
      pending.set(key, policy.merge ? policy.merge(pending.get(key), payload) : payload)
      if (!slot.timer) {
        const s = slot
        s.timer = setTimeout(() => flushSlot(name, s), Math.max(0, s.lastSent + policy.intervalMs - t))
      }
    },
    flush,
    close() {
      closed = true
      for (const slot of slots.values()) {
        if (slot.timer) clearTimeout(slot.timer)
        slot.timer = null
        slot.pending = null
      }
      order.clear()
    },
  }
}

/** Relays every event of `source` through a throttle; returns the function that stops it. */
export function relayEvents(
  source: { onAny(listener: (name: string, payload: unknown) => void): () => void },
  send: (name: string, payload: unknown) => void,
  policies?: Readonly<Record<string, ThrottlePolicy>>,
): () => void {
  const throttle = createEventThrottle(send, policies)
  const off = source.onAny((name, payload) => throttle.push(name, payload))
  return () => {
    off()
    throttle.close()
  }
}
