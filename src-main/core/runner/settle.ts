// An engine answers at once (SQLite) or later (PostgreSQL). The runner continues at once when it
// can: a local claim and its launch stay in the same tick, as they always were.
import type { Maybe } from '../engines/queue-engine'

/** Calls `then` with the value at once when there is one, else once the promise settles. */
export function settle<T>(value: Maybe<T>, then: (value: T) => void, fail: (error: unknown) => void): Promise<void> | null {
  if (!(value instanceof Promise)) {
    then(value)
    return null
  }
  return value.then(then, fail)
}
