// What a lane rate promises, counted from a test's recorded runs: the most starts any window of
// the rate's length holds.
import type { Run } from '../../../src-shared/domain'

/** The most starts any half-open window of `windowMs` holds, from the runs' start times. */
export function busiestWindow(runs: readonly Run[], windowMs: number): number {
  const starts = runs.map((r) => Date.parse(r.startedAt)).sort((a, b) => a - b)
  let most = 0
  for (let i = 0, j = 0; i < starts.length; i++) {
    while ((starts[i] ?? 0) - (starts[j] ?? 0) >= windowMs) j++
    most = Math.max(most, i - j + 1)
  }
  return most
}
