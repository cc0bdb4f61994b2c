// History for the alert rules' tests: jobs of a type run to an outcome through the real store
// (enqueue, claim, fenced finish), at times the test chooses; and the outbox as an operator reads it.
import { newId } from '../ids'
import { jobAfterRun } from '../model/transitions'
import { parseConfigText, type LoadedConfig } from '../config/load-config'
import type { SqliteStore } from '../store/sqlite/sqlite-store'

export interface FinishOptions {
  type: string
  outcome: 'succeeded' | 'failed'
  /** When the run ends (epoch ms); it starts 1 s earlier. */
  at: number
  schedule?: string
  /** The job waits for a retry instead of failing for good. */
  retry?: boolean
  /** When the job was made (default: when its run starts). */
  createdAt?: number
}

/** Runs one job to its outcome; returns its id. */
export function finishJob(store: SqliteStore, options: FinishOptions): string {
  const id = newId(options.at)
  const start = options.at - 1_000
  store.enqueue([{ id, type: options.type, params: {}, priority: 'normal', lane: `lane-${id}`, schedule: options.schedule ?? null }], options.createdAt ?? start)
  const [claimed] = store.claim({ now: start, runnerId: 'test-runner', concurrency: 1000, laneLimit: () => 1, allowedTypes: [options.type] }).filter((c) => c.job.id === id)
  if (!claimed) throw new Error(`job ${id} was not claimed`)
  const error = options.outcome === 'failed' ? 'exit code 1' : null
  store.finish({
    runId: claimed.run.id,
    runnerId: 'test-runner',
    now: options.at,
    outcome: options.outcome,
    exitCode: options.outcome === 'failed' ? 1 : 0,
    signal: null,
    error,
    progress: { percent: null, current: null, total: null, message: null },
    itemsOk: null,
    itemsFailed: null,
    transition: jobAfterRun({ outcome: options.outcome, error, now: options.at }, 0, () => (options.retry ? 60_000 : null)),
  })
  return id
}

export interface OutboxRow {
  key: string
  channel: string
  rule: number
  title: string
}

/** The outbox's rows, oldest first. */
export function outboxRows(store: SqliteStore): OutboxRow[] {
  return (store.db.prepare(`SELECT key, channel, rule, payload FROM alert_outbox ORDER BY id`).all() as Array<{ key: string; channel: string; rule: number; payload: string }>).map(
    (r) => ({ key: r.key, channel: r.channel, rule: r.rule, title: (JSON.parse(r.payload) as { title: string }).title }),
  )
}

/** A config parsed from text (the test's own), failing loudly when invalid. */
export function configOf(yaml: string, file = '/tmp/jobdeck-alerts-test.yaml'): LoadedConfig {
  const result = parseConfigText(yaml, file)
  if (!result.ok) throw new Error(result.errors.map((e) => `${e.line}:${e.col} ${e.message}`).join('\n'))
  return result.config
}
