// `retention:` in jobdeck.yaml: how long finished history is kept. Queued, retrying and running
// work is never deleted, whatever the policy says (core/retention/).
import { z } from 'zod'
import { describeConfigValue, durationText, sizeText } from './config-values'

const DAY = 86_400_000
const age = (what: string) => durationText(`retention.${what}`, 'age')

/** `logs: 14d`, or `{ age: 14d, perRun: 1MB }`: a run's output over `perRun` keeps its head and tail. */
const logsSchema = z
  .union([z.string(), z.number(), z.strictObject({ age: z.union([z.string(), z.number()]).optional(), perRun: z.union([z.string(), z.number()]).optional() })], {
    error: (issue) => `expected retention.logs as an age like 14d, or { age: 14d, perRun: 1MB }, got ${describeConfigValue(issue.input)}`,
  })
  .transform((value, ctx): RetentionLogs => {
    const parseAge = (v: string | number) => age('logs').safeParse(v)
    if (typeof value !== 'object') {
      const parsed = parseAge(value)
      if (!parsed.success) {
        for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message })
        return z.NEVER
      }
      return { ageMs: parsed.data, perRunBytes: null }
    }
    const parsedAge = value.age === undefined ? null : parseAge(value.age)
    const parsedSize = value.perRun === undefined ? null : sizeText('retention.logs.perRun').safeParse(value.perRun)
    for (const [key, parsed] of [['age', parsedAge], ['perRun', parsedSize]] as const) {
      if (parsed && !parsed.success) for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: [key], message: issue.message })
    }
    if ((parsedAge && !parsedAge.success) || (parsedSize && !parsedSize.success)) return z.NEVER
    const perRunBytes = parsedSize?.success ? parsedSize.data : null
    if (perRunBytes !== null && perRunBytes < 1024) {
      ctx.addIssue({ code: 'custom', path: ['perRun'], message: `expected retention.logs.perRun of at least 1KiB (its head and tail are kept), got ${describeConfigValue(value.perRun)}` })
      return z.NEVER
    }
    return { ageMs: parsedAge?.success ? parsedAge.data : null, perRunBytes }
  })

export interface RetentionLogs {
  /** Output lines of runs finished longer ago than this are deleted (the run stays); null: kept with the run. */
  ageMs: number | null
  /** A finished run's output above this keeps its first and last halves, with a marker line between; null: no cap. */
  perRunBytes: number | null
}

export const retentionSchema = z.strictObject({
  /** Off: nothing is deleted automatically (`jobdeck clear` remains). */
  enabled: z.boolean().default(true),
  /** Finished jobs (with their runs, output and usage) by final status, by when they finished. */
  succeeded: age('succeeded').default(30 * DAY),
  partial: age('partial').default(90 * DAY),
  failed: age('failed').default(180 * DAY),
  canceled: age('canceled').default(30 * DAY),
  /** The newest N finished jobs of each type are kept whatever their age. */
  keepLast: z.number().int().min(0).max(1_000_000).default(10),
  logs: logsSchema.default({ ageMs: 14 * DAY, perRunBytes: null }),
  /** Schedule fire records. */
  fires: age('fires').default(90 * DAY),
  /** Alert deliveries (the outbox's sent and given-up records). */
  alerts: age('alerts').default(90 * DAY),
  /** Audit records (who changed what, issue 17), by when the call was made. */
  audit: age('audit').default(365 * DAY),
  /** How often a pass runs (the first one a minute after the runner starts). */
  interval: durationText('retention.interval').default(10 * 60_000),
  /** Rows per delete transaction: small, so no write holds the runner for more than a few ms. */
  batch: z.number().int().min(10).max(100_000).default(500),
})
export type RetentionConfig = z.output<typeof retentionSchema>

export const DEFAULT_RETENTION: RetentionConfig = retentionSchema.parse({})
