// Lane keys in the config may be `*` patterns (`dealer:*`). The runner's limits and rates and the
// Timeline's over-limit marks read them here, so both agree on which lane a pattern covers.

/**
 * Whether `lane` matches `pattern`, where `*` stands for any run of characters (none included).
 * Pieces are found left to right with indexOf: for `*` alone, taking each piece's first place
 * after the last one never misses a match, and it takes linear time whatever the pattern.
 */
export function matchesLanePattern(pattern: string, lane: string): boolean {
  const pieces = pattern.split('*')
  if (pieces.length === 1) return pattern === lane
  const first = pieces[0] as string
  const last = pieces[pieces.length - 1] as string
  if (lane.length < first.length + last.length || !lane.startsWith(first) || !lane.endsWith(last)) return false
  let at = first.length
  const end = lane.length - last.length
  for (const piece of pieces.slice(1, -1)) {
    const found = lane.indexOf(piece, at)
    if (found < 0 || found + piece.length > end) return false
    at = found + piece.length
  }
  return true
}

/** A lane's entry: its exact key first, then the first `*` pattern in key order; undefined when none. */
export function laneEntry<T>(entries: Readonly<Record<string, T>>, lane: string): T | undefined {
  if (Object.hasOwn(entries, lane)) return entries[lane]
  for (const [pattern, value] of Object.entries(entries)) {
    if (pattern.includes('*') && matchesLanePattern(pattern, lane)) return value
  }
  return undefined
}
