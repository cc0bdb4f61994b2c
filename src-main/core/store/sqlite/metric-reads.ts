// What /metrics reads from the local SQLite file (in shared mode: the cache) on every scrape, so
// each statement costs what is running now or a lookup, never the size of the history nor of the
// queue: runs by outcome come from the maintained per-type counters (type_stats), the waiting jobs
// per lane from lane_counts (migration 16's triggers), the running runs per lane from the partial
// index of running runs (runs_running: as many as the concurrency limits allow).
import type { SqliteDatabase } from './open-database'

/** Finished runs in the history by outcome, as `stats.byType` counts them. */
export interface TypeOutcomes {
  type: string
  succeeded: number
  partial: number
  failed: number
  canceled: number
  interrupted: number
}

/** Jobdeck's own jobs waiting (queued or retrying) and runs running, per lane. */
export interface LaneDepth {
  lane: string
  waiting: number
  running: number
}

export class MetricReads {
  private readonly stmt

  constructor(db: SqliteDatabase) {
    this.stmt = {
      outcomes: db.prepare(`SELECT type, succeeded, partial, failed, canceled, interrupted FROM type_stats WHERE runs > 0 ORDER BY type`),
      // Mirrored rows (source IS NOT NULL) are a source's, not a lane of this queue: neither holds them.
      waitingByLane: db.prepare(`SELECT lane, waiting AS n FROM lane_counts`),
      runningByLane: db.prepare(`SELECT lane, count(*) AS n FROM runs INDEXED BY runs_running
        WHERE status = 'running' AND source IS NULL GROUP BY lane`),
    }
  }

  typeOutcomes(): TypeOutcomes[] {
    return this.stmt.outcomes.all() as TypeOutcomes[]
  }

  lanes(): LaneDepth[] {
    const lanes = new Map<string, LaneDepth>()
    const lane = (name: string): LaneDepth => {
      const found = lanes.get(name) ?? { lane: name, waiting: 0, running: 0 }
      lanes.set(name, found)
      return found
    }
    for (const row of this.stmt.waitingByLane.all() as Array<{ lane: string; n: number }>) lane(row.lane).waiting = row.n
    for (const row of this.stmt.runningByLane.all() as Array<{ lane: string; n: number }>) lane(row.lane).running = row.n
    return [...lanes.values()].sort((a, b) => a.lane.localeCompare(b.lane))
  }
}
