// What the services ask of the sources (other systems' job tables mirrored into the cache): their
// state, a pull now, a check of a table, and the one write a source allows (mark a stuck row
// failed, opt-in). `SourceMirrors` (source-mirrors.ts) is the implementation.
import type { SourceInfo, SourceTestResult } from '../../../src-shared/sources'

export interface MarkFailedResult {
  source: string
  table: string
  sourceId: string
  rowCount: number
}

export interface SourcesPort {
  list(): SourceInfo[]
  /** One pull of `name` (or every source) now, then their state. */
  sync(name?: string): Promise<SourceInfo[]>
  test(name: string): Promise<SourceTestResult>
  /** `id`: the mirrored job's or run's id. Refused unless the source has `actions.markFailed: true` and the row is running. */
  markFailed(id: string): Promise<MarkFailedResult>
}
