// `alerts:` as an operator writes it: names that point nowhere at their file:line:col; a webhook
// URL in the file is a warning from `jobdeck validate` (exit 0), its secret path never printed.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parseConfigText, type ConfigLoadResult } from './load-config'

const HEAD = `jobs:
  sync: { command: [node, -e, ""] }
connections:
  app: { url: "postgres://readonly@db.internal:5432/app" }
sources:
  legacy: { connection: app, preset: background_jobs }
schedules:
  nightly: { job: sync, cron: "0 5 * * *", timezone: Europe/Berlin }
alerts:
  channels:
    ops: { webhook: { urlEnv: OPS_HOOK } }
    tray: { desktop: true }
  rules:
`
const LINE = HEAD.split('\n').length

const parse = (rules: string, head = HEAD): ConfigLoadResult => parseConfigText(`${head}${rules}`, '/cfg/jobdeck.yaml')

function located(result: ConfigLoadResult): string[] {
  if (result.ok) throw new Error('expected the config to be rejected')
  return result.errors.map((e) => `${e.line}:${e.col}: ${e.message}`)
}

describe('alerts in the config', () => {
  it('known channels (a desktop one too), types (a source row as source/type), schedule and source load', () => {
    const result = parse(`    - { on: failed, channels: [ops, tray] }
    - { on: failedStreak, count: 3, types: [sync, legacy/report], channels: [ops] }
    - { on: deadline, schedule: nightly, notFinishedBy: "07:00", channels: [ops] }
    - { on: stuck, source: legacy, channels: [ops] }
`)
    if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('\n'))
    expect(result.config.raw.alerts.rules).toHaveLength(4)
    expect(result.config.warnings).toEqual([])
  })

  it('every name that points nowhere is an error at its place, saying what exists', () => {
    const errors = located(
      parse(`    - { on: failed, channels: [ops, desktop] }
    - { on: failed, types: [sync, snyc, other/report], channels: [ops] }
    - { on: deadline, schedule: nighty, notFinishedBy: "07:00", channels: [ops] }
    - { on: stuck, source: legacyy, channels: [ops] }
`),
    )
    expect(errors).toEqual([
      `${LINE}:37: alerts.rules[0].channels[1]: unknown channel "desktop"; alerts.channels declares: ops, tray (the app's notifications are a channel too: \`NAME: { desktop: true }\`)`,
      `${LINE + 1}:35: alerts.rules[1].types[1]: unknown job type "snyc"; expected one of jobs: (sync) or \`source/type\` of a source`,
      `${LINE + 1}:41: alerts.rules[1].types[2]: unknown job type "other/report"; expected one of jobs: (sync) or \`source/type\` of a source; "other" is not a source under sources: (legacy)`,
      `${LINE + 2}:33: alerts.rules[2].schedule: unknown schedule "nighty"; schedules: declares nightly`,
      `${LINE + 3}:28: alerts.rules[3].source: unknown source "legacyy"; sources: declares legacy`,
    ])
  })

  it('jobdeck validate warns about a webhook URL in the file, at its place, without its path, and still passes', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-alert-checks-'))
    try {
      const file = path.join(dir, 'jobdeck.yaml')
      const secret = 'T000/B000/XXXXsecretXXXX'
      fs.writeFileSync(
        file,
        `jobs:\n  sync: { command: [node, -e, ""] }\nalerts:\n  channels:\n    slack:\n      webhook: { url: "https://hooks.slack.com/services/${secret}", format: slack }\n  rules:\n    - { channels: [slack] }\n`,
      )
      const bin = fileURLToPath(new URL('../../../bin/jobdeck.mjs', import.meta.url))
      const result = spawnSync(process.execPath, [bin, 'validate', '--config', file, '--data-dir', path.join(dir, 'data')], { encoding: 'utf8', timeout: 60_000 })
      expect(result.status).toBe(0)
      expect(result.stderr).toContain(`warning: ${file}:6:23: alerts.channels.slack.webhook.url: the webhook URL https://hooks.slack.com/… is written in the config file`)
      expect(`${result.stdout}${result.stderr}`).not.toContain(secret)
      expect(result.stdout).toMatch(/is valid/)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
