// What the API says about retention: the data dir by part, what the policy deletes next, and the
// last pass (core/retention/).

/** Bytes of the data dir's database by part (dbstat, or estimated from page counts). */
export interface DataDirSize {
  total: number
  runs: number
  logs: number
  samples: number
  other: number
  /** The WAL file beside the database. */
  wal: number
}

/** Rows a pass would delete now (counted up to a cap: `capped` means more). */
export interface RetentionPreview {
  jobs: number
  runs: number
  /** Output lines older than `logs.age`, those of the jobs it deletes too (a pass counts those with their jobs). */
  logLines: number
  fires: number
  deliveries: number
  /** Audit records older than `retention.audit`. */
  audit: number
  capped: boolean
}

export interface RetentionPass {
  startedAt: string
  finishedAt: string
  /** `samples` stays 0: the monitor prunes its own samples (an hour raw, 30 days per minute). */
  deleted: { jobs: number; runs: number; logLines: number; trimmedRuns: number; fires: number; deliveries: number; audit: number; samples: number }
  /** The longest single delete transaction of the pass. */
  longestTxMs: number
  /** Shared mode: this instance applied it to PostgreSQL (it held the lock), or only followed in its cache. */
  scope: 'local' | 'shared' | 'cache'
  error: string | null
}

export interface RetentionStatus {
  enabled: boolean
  /** The policy in words, one line per part: "succeeded jobs after 30 days (the newest 10 of each type kept)". */
  policy: string[]
  size: DataDirSize
  next: RetentionPreview
  lastPass: RetentionPass | null
  /** When the next automatic pass runs; null when no runner runs here or retention is off. */
  nextPassAt: string | null
}
