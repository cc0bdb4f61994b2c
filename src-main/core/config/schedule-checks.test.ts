// `schedules:` as an operator writes it: every mistake at its file:line:col, in one pass.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigManager } from './config-manager'
import { choosePostgres } from './postgres-settings'
import { parseConfigText, type ConfigLoadResult } from './load-config'

const JOBS = `jobs:
  fetch-prospects:
    command: [node, fetch.js, '{dealer_id}']
    lane: 'dealer:{dealer_id}'
    priority: normal
    params:
      dealer_id: { type: string, required: true, pattern: '^[0-9]+$' }
      token: { type: string, secret: true }
`

function located(result: ConfigLoadResult): string[] {
  if (result.ok) throw new Error('expected the config to be rejected')
  return result.errors.map((e) => `${e.line}:${e.col}: ${e.message}`)
}

const parse = (schedules: string): ConfigLoadResult => parseConfigText(`${JOBS}schedules:\n${schedules}`, '/cfg/jobdeck.yaml')
/** The line of the first schedule's key: after the jobs block and `schedules:`. */
const LINE = JOBS.split('\n').length + 1

describe('schedules in the config', () => {
  it('the issue’s example loads, defaults applied', () => {
    const result = parse(`  nightly-prospects-12284:
    job: fetch-prospects
    params: { dealer_id: "12284" }
    cron: "0 2 * * *"
    timezone: Europe/Berlin
    priority: high
    missed: latest
    catchupWindow: 6h
    overlap: skip
    jitter: 30s
    enabled: true
  health:
    job: fetch-prospects
    params: { dealer_id: 7 }
    every: 5m
`)
    if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('\n'))
    const nightly = result.config.schedules.get('nightly-prospects-12284')
    expect(nightly).toMatchObject({ job: 'fetch-prospects', params: { dealer_id: '12284' }, cron: '0 2 * * *', every: null, timezone: 'Europe/Berlin', priority: 'high', catchupWindowMs: 6 * 3_600_000, jitterMs: 30_000 })
    const health = result.config.schedules.get('health')
    expect(health).toMatchObject({ every: '5m', everyMs: 300_000, missed: 'latest', catchupWindowMs: 86_400_000, overlap: 'skip', jitterMs: 0, enabled: true, notifySkipped: false, priority: null })
    expect(health?.params).toEqual({ dealer_id: '7' })
    expect(health?.timezone).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone)
    expect(result.config.zonelessSchedules.map((e) => `${e.line}:${e.col}`)).toEqual([`${LINE + 11}:3`])
  })

  it('every error names file:line:col: unknown type, bad params, bad cron with croner’s reason, unknown zone, both and neither, bad durations', () => {
    const result = parse(`  a:
    job: fetch-prospectz
    every: 5m
  b:
    job: fetch-prospects
    params: { dealer_id: "12a" }
    cron: "61 2 * * *"
    timezone: Europe/Atlantis
  c:
    job: fetch-prospects
    params: { dealer_id: "1" }
    cron: "0 2 * * *"
    every: 5m
  d:
    job: fetch-prospects
    params: { dealer_id: "1" }
  e:
    job: fetch-prospects
    every: 0.5s
    catchupWindow: soon
    jitter: -3
    missed: sometimes
  f:
    job: fetch-prospects
    params: { dealer_id: "1", token: abc }
    every: 1h
`)
    const errors = located(result)
    expect(errors).toEqual([
      `${LINE + 1}:10: schedules.a.job: unknown job type "fetch-prospectz"; the config declares: fetch-prospects`,
      `${LINE + 5}:26: schedules.b.params.dealer_id: param "dealer_id": expected digits matching ^[0-9]+$, got "12a"`,
      expect.stringMatching(new RegExp(`^${LINE + 6}:11: schedules.b.cron: croner refuses "61 2 \\* \\* \\*": .+`)),
      `${LINE + 7}:15: schedules.b.timezone: unknown time zone "Europe/Atlantis"; expected an IANA zone like Europe/Berlin, America/New_York or UTC`,
      `${LINE + 8}:3: schedules.c: expected exactly one of \`cron: "0 2 * * *"\` or \`every: 5m\`, got both`,
      `${LINE + 13}:3: schedules.d: expected exactly one of \`cron: "0 2 * * *"\` or \`every: 5m\`, got neither`,
      expect.stringMatching(new RegExp(`^${LINE + 16}:3: schedules.e.params: .*dealer_id`)),
      `${LINE + 18}:12: schedules.e.every: expected an interval of at least 1s, got "0.5s"`,
      expect.stringMatching(new RegExp(`^${LINE + 19}:20: schedules.e.catchupWindow: expected catchupWindow as a duration`)),
      expect.stringMatching(new RegExp(`^${LINE + 20}:13: schedules.e.jitter: expected jitter as a duration`)),
      expect.stringMatching(new RegExp(`^${LINE + 21}:13: schedules.e.missed: expected one of skip, latest, all`)),
      expect.stringMatching(new RegExp(`^${LINE + 24}:31: schedules.f.params.token: token is a secret param`)),
    ])
  })

  it('shared mode needs a zone on every schedule: in the file, and from --pg', () => {
    const text = `postgres: { url: 'postgres://me@db/jobdeck' }\n${JOBS}schedules:\n  nightly:\n    job: fetch-prospects\n    params: { dealer_id: "1" }\n    cron: "0 2 * * *"\n`
    expect(located(parseConfigText(text, '/cfg/jobdeck.yaml'))).toEqual([
      `${LINE + 1}:3: schedules.nightly: shared mode (postgres:) needs \`timezone:\` on every schedule: instances may sit in different zones; write the IANA zone, e.g. timezone: Europe/Berlin`,
    ])
    const local = parse(`  nightly:\n    job: fetch-prospects\n    params: { dealer_id: "1" }\n    cron: "0 2 * * *"\n`)
    if (!local.ok) throw new Error('expected the local config to load')
    expect(() => choosePostgres(local.config, { url: 'postgres://me@db/jobdeck', source: 'flag' })).toThrow(
      `/cfg/jobdeck.yaml:${LINE}:3: schedules.nightly: shared mode needs \`timezone:\``,
    )
    expect(choosePostgres(local.config)).toBeNull()
  })

  it('shared mode: a reload bringing a schedule without a zone keeps the previous config, naming the schedule', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-zones-'))
    try {
      const file = path.join(dir, 'jobdeck.yaml')
      const schedule = (zone: string): string => `${JOBS}schedules:\n  nightly:\n    job: fetch-prospects\n    params: { dealer_id: "1" }\n    cron: "0 2 * * *"\n${zone}`
      fs.writeFileSync(file, schedule('    timezone: UTC\n'))
      const manager = ConfigManager.open(file)
      manager.requireZones()
      fs.writeFileSync(file, schedule(''))
      const reloaded = manager.reload()
      expect(reloaded.ok).toBe(false)
      expect(reloaded.errors).toEqual([`${file}:${LINE}:3: schedules.nightly: shared mode needs \`timezone:\` on every schedule (instances may sit in different zones); write the IANA zone, e.g. timezone: Europe/Berlin`])
      expect(manager.current.schedules.get('nightly')?.timezone).toBe('UTC')
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
