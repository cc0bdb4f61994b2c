// What the API says about alerts: channels as configured (secrets masked), rules, the last
// deliveries with their outcome, snoozes. The engine decides alerts (core/alerts/) and keeps each
// one in a durable outbox until its channel took it.
import type { AlertEvent, WebhookFormat } from './alert-config'

export type AlertChannelKind = 'webhook' | 'email' | 'desktop'

export interface AlertChannelInfo {
  name: string
  kind: AlertChannelKind
  /** Where it goes, never a secret: `https://hooks.slack.com/…` (path hidden), `ops@example.com via smtp.example.com:587`, `desktop`. */
  target: string
  format: WebhookFormat | null
  /** Not usable now, and why (an environment variable unset, no password): else null. */
  problem: string | null
}

export interface AlertRuleInfo {
  /** Its place in `alerts.rules` (0-based): the rule's identity in deliveries. */
  index: number
  on: AlertEvent
  channels: string[]
  /** The rule in words: "failed, sync-inventory → oncall". */
  summary: string
}

/** One alert, as it is posted (the `json` webhook format's object, one per alert). */
export interface AlertPayload {
  /** Stable across retries and instances: receivers may de-duplicate by it. */
  id: string
  /** What it is about; `test` for a test message (`alerts.test`). */
  rule: AlertEvent | 'test'
  type: string | null
  title: string
  jobId: string | null
  runId: string | null
  status: string | null
  error: string | null
  startedAt: string | null
  finishedAt: string | null
  /** failedStreak: the streak's length; a digest entry's repeat; else 1. */
  count: number
  /** Schedule or source it is about, when any. */
  schedule?: string
  source?: string
}

export type DeliveryStatus = 'pending' | 'sent' | 'failed'

/** One message to one channel: a single alert, or a digest of a burst. */
export interface AlertDelivery {
  id: string
  channel: string
  kind: AlertChannelKind
  /** The rule indexes (into `alerts.rules`) it carries; a test message has none. */
  rules: number[]
  title: string
  alerts: number
  test: boolean
  status: DeliveryStatus
  attempts: number
  createdAt: string
  /** pending: when it is tried next. */
  nextAttemptAt: string | null
  sentAt: string | null
  /** The last failure, secrets masked ("HTTP 503 from hooks.slack.com"). */
  lastError: string | null
}

/** Alerts of a job type held back until `until` (from the window); shared in shared mode. */
export interface AlertSnooze {
  type: string
  until: string
  by: string | null
}

export interface AlertsOverview {
  channels: AlertChannelInfo[]
  rules: AlertRuleInfo[]
  /** Newest first. */
  deliveries: AlertDelivery[]
  snoozes: AlertSnooze[]
  /** Deliveries not yet sent (the outbox's depth). */
  pending: number
}

/**
 * A snooze "until lifted" is sent as this instant: no clock reaches it, and it fits SQLite's
 * epoch milliseconds and PostgreSQL's timestamptz alike. Lifting it is `until: null`.
 */
export const SNOOZE_UNTIL_LIFTED = '9999-12-31T00:00:00.000Z'

/** A snooze that holds until the operator lifts it (its `until` is SNOOZE_UNTIL_LIFTED or later). */
export function isUntilLifted(until: string): boolean {
  return Date.parse(until) >= Date.parse(SNOOZE_UNTIL_LIFTED)
}
