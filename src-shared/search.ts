// History search results as the contract carries them: where a run matched, as a snippet whose
// matched words sit between two private-use characters (the renderer splits on them and shows
// each part as text, never as HTML).
import type { Run } from './domain'

/** Starts a matched word in a snippet (U+E000, private use: never in a word the index matches). */
export const SNIPPET_OPEN = '\uE000'
/** Ends a matched word in a snippet (U+E001). */
export const SNIPPET_CLOSE = '\uE001'

export interface SearchMatch {
  /** Where every word was found: the run's error, or one line of its output. */
  in: 'error' | 'stdout' | 'stderr'
  /** Up to a dozen words around the match, `…` where cut, matches between SNIPPET_OPEN/CLOSE. */
  snippet: string
}

/** How many runs match, counted up to a cap so the count stays cheap. */
export interface RunCount {
  count: number
  /** More than `count` match ("more than 10,000"). */
  capped: boolean
}

/** A run in a History page; with a search, where it matched. */
export interface ListedRun extends Run {
  match?: SearchMatch
  /**
   * The schedule that fired its job; null for a job enqueued by hand. Always there in runs.list's
   * answer; optional because a window may show a run from `run.changed` before it has one.
   */
  schedule?: string | null
}
