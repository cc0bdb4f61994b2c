// Alerts written into a data dir's outbox as the rules write them (alert_outbox rows waiting for a
// delivery), from a connection of its own, as another part of the engine would.
import Database from 'better-sqlite3'
import type { AlertPayload } from '../../../src-shared/alerts'
import { databaseFile } from '../paths'

/** A failed job's alert, as the `failed` rule words it. */
export function failedAlert(jobId: string, type = 'sync-inventory', error = 'exit code 2: boom: the API said 503\n  at sync (sync.js:10)'): AlertPayload {
  return {
    id: `failed:${jobId}`,
    rule: 'failed',
    type,
    title: `${type} failed`,
    jobId,
    runId: `${jobId}/run`,
    status: 'failed',
    error,
    startedAt: '2026-03-01T10:00:00.000Z',
    finishedAt: '2026-03-01T10:00:05.000Z',
    count: 1,
  }
}

export function insertOutboxAlerts(dataDir: string, channel: string, alerts: readonly AlertPayload[], rule = 0, at = Date.now()): void {
  const db = new Database(databaseFile(dataDir))
  try {
    db.pragma('busy_timeout = 10000')
    const insert = db.prepare(`INSERT INTO alert_outbox (key, channel, rule, payload, created_at) VALUES (?, ?, ?, ?, ?)`)
    db.transaction(() => {
      for (const alert of alerts) insert.run(alert.id, channel, rule, JSON.stringify(alert), at)
    })()
  } finally {
    db.close()
  }
}
