// `alerts:` in jobdeck.yaml: channels (where a message goes) and rules (what is told, to which
// channels). The core checks names across the config (a rule's channels, types, schedule and
// source) at file:line:col in config/alert-checks.ts; this file holds the shapes only.
import { z } from 'zod'
import { durationText } from './config-values'

/** What a rule is about (DESIGN: alerts). */
export const ALERT_EVENTS = ['failed', 'failedStreak', 'recovered', 'overrun', 'stuck', 'deadline', 'health', 'offline'] as const
export type AlertEvent = (typeof ALERT_EVENTS)[number]

export const WEBHOOK_FORMATS = ['json', 'slack', 'teams'] as const
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number]

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const envName = (what: string) => z.string().regex(ENV_NAME, `${what} is an environment variable name (letters, digits or _)`)

/**
 * A secret written where it must not be: the key is accepted by the shape so the message can say
 * what to do instead (at the key's file:line:col) rather than "unknown key".
 */
const refusedSecret = (message: string) =>
  z.unknown().superRefine((_value, ctx) => {
    ctx.addIssue({ code: 'custom', message })
  })

const webhookSchema = z
  .strictObject({
    /** Written in the file: `jobdeck validate` warns (the path often holds the secret); never shown or logged in full. */
    url: z.string().min(1).max(2000).optional(),
    /** The environment variable holding the URL (preferred). */
    urlEnv: envName('urlEnv').optional(),
    format: z.enum(WEBHOOK_FORMATS).default('json'),
    /** Per request. */
    timeout: durationText('webhook.timeout').default(10_000),
  })
  .refine((w) => (w.url === undefined) !== (w.urlEnv === undefined), {
    message: 'expected exactly one of `url` or `urlEnv` (the environment variable holding the URL)',
  })

const smtpSchema = z.strictObject({
  host: z.string().min(1).max(255),
  port: z.number().int().min(1).max(65535).default(587),
  /** Implicit TLS (port 465); otherwise STARTTLS when the server offers it. */
  secure: z.boolean().default(false),
  user: z.string().min(1).max(255).optional(),
  /** The environment variable holding the SMTP password; else the keychain (desktop) under `smtp:<channel>`. */
  passwordEnv: envName('passwordEnv').optional(),
  password: refusedSecret(
    'the SMTP password must not be written in the config file; remove it and set `passwordEnv: NAME` (an environment variable), or store it in the keychain from the app\'s Settings → Alerts',
  ).optional(),
  timeout: durationText('smtp.timeout').default(15_000),
})

const emailSchema = z.strictObject({
  to: z.array(z.email({ error: 'expected an email address like ops@example.com' })).min(1, 'expected at least one address in `to`').max(100),
  from: z.email({ error: 'expected an email address like jobdeck@example.com' }),
  /** Prefixed to each subject. */
  subjectPrefix: z.string().max(100).default('[jobdeck]'),
  smtp: smtpSchema,
})

export const alertChannelSchema = z
  .strictObject({
    webhook: webhookSchema.optional(),
    email: emailSchema.optional(),
    /** The desktop app's notifications (and the tray); nothing headless. */
    desktop: z.union([z.literal(true), z.strictObject({})]).optional(),
  })
  .superRefine((channel, ctx) => {
    const kinds = (['webhook', 'email', 'desktop'] as const).filter((key) => channel[key] !== undefined)
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        params: { at: 'key' },
        message: kinds.length === 0 ? 'expected a channel kind: `webhook: { urlEnv }`, `email: { to, from, smtp }` or `desktop: true`' : `expected exactly one channel kind, got ${kinds.join(' and ')}`,
      })
    }
  })
export type AlertChannelConfig = z.output<typeof alertChannelSchema>

const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)$/

export const alertRuleSchema = z
  .strictObject({
    /** Default `failed` (after the last retry). */
    on: z.enum(ALERT_EVENTS, { error: (issue) => `expected on: one of ${ALERT_EVENTS.join(', ')}, got ${JSON.stringify(issue.input)}` }).default('failed'),
    channels: z.array(z.string().min(1)).min(1, 'expected at least one channel').max(20),
    /** Only these job types (source rows: `source/type`); default every type. */
    types: z.array(z.string().min(1)).min(1).max(1000).optional(),
    /** `deadline`: the schedule watched (required); others: only jobs this schedule enqueued. */
    schedule: z.string().min(1).optional(),
    /** Only rows of this source (`sources:` name). */
    source: z.string().min(1).max(64).optional(),
    /** `failedStreak`: this many failures in a row of one type (default 3). */
    count: z.number().int().min(2).max(1000).optional(),
    /** `deadline`: a time of day, HH:MM in the schedule's zone. */
    notFinishedBy: z.string().regex(TIME_OF_DAY, 'expected notFinishedBy as a time of day HH:MM, like 07:00').optional(),
    /** `overrun`: beyond the type's p95 × this (default monitor.overrunFactor). */
    factor: z.number().min(1).max(100).optional(),
    /** `offline`: the shared database unreachable for longer than this (default 5m). */
    after: durationText('after').optional(),
    /** After a message of this rule, more within this time are not sent (default 0: none held back). */
    quiet: durationText('quiet', 'age').default(0),
  })
  .superRefine((rule, ctx) => {
    const only = (key: 'count' | 'notFinishedBy' | 'factor' | 'after', on: string) => {
      if (rule[key] !== undefined && rule.on !== on) ctx.addIssue({ code: 'custom', path: [key], message: `\`${key}\` applies only to \`on: ${on}\`` })
    }
    only('count', 'failedStreak')
    only('notFinishedBy', 'deadline')
    only('factor', 'overrun')
    only('after', 'offline')
    if (rule.on === 'deadline') {
      if (rule.schedule === undefined) ctx.addIssue({ code: 'custom', params: { at: 'key' }, message: 'a `deadline` rule needs `schedule:` (the schedule it watches)' })
      if (rule.notFinishedBy === undefined) ctx.addIssue({ code: 'custom', params: { at: 'key' }, message: 'a `deadline` rule needs `notFinishedBy: "HH:MM"` (in the schedule\'s zone)' })
    }
  })
export type AlertRuleConfig = z.output<typeof alertRuleSchema>

export const alertsSchema = z.strictObject({
  channels: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, 'a channel name is letters, digits, _ or -'), alertChannelSchema).default({}),
  rules: z.array(alertRuleSchema).max(1000).default([]),
  /** A burst waits this long for more to group into one digest… */
  digestQuiet: durationText('alerts.digestQuiet').default(2_000),
  /** …but never longer than this after its first alert. */
  digestMaxWait: durationText('alerts.digestMaxWait').default(10_000),
})
export type AlertsConfig = z.output<typeof alertsSchema>
