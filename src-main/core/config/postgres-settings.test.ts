import { describe, expect, it } from 'vitest'
import { parseConfigText } from './load-config'
import { choosePostgres } from './postgres-settings'

function load(yaml: string) {
  const result = parseConfigText(yaml, '/tmp/jobdeck.yaml')
  if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('\n'))
  return result.config
}

const JOBS = 'jobs:\n  a:\n    command: ["true"]\n'

describe('choosePostgres', () => {
  it('stays local without a URL anywhere', () => {
    expect(choosePostgres(load(JOBS))).toBeNull()
  })

  it('takes the file URL and its settings, durations in milliseconds', () => {
    const chosen = choosePostgres(load(`postgres: { url: "postgres://jd@db:5432/q", lease: 4s, connectTimeout: 2s, poolSize: 3 }\n${JOBS}`))
    expect(chosen).toMatchObject({ source: 'config', config: { url: 'postgres://jd@db:5432/q', lease: 4_000, connectTimeout: 2_000, poolSize: 3, statementTimeout: 30_000 } })
  })

  it('--pg / JOBDECK_PG_URL beat the file, whose other settings still apply', () => {
    const config = load(`postgres: { url: "postgres://jd@file/q", lease: 7s }\n${JOBS}`)
    expect(choosePostgres(config, { url: 'postgres://jd:pw@flag/q', source: 'flag' })).toMatchObject({
      source: 'flag',
      config: { url: 'postgres://jd:pw@flag/q', lease: 7_000 },
    })
  })

  it('names the flag when its URL is not a PostgreSQL URL', () => {
    expect(() => choosePostgres(load(JOBS), { url: 'mysql://x/y', source: 'flag' })).toThrow(/--pg: expected a URL like postgres:/)
    expect(() => choosePostgres(load(JOBS), { url: 'nonsense', source: 'env' })).toThrow(/JOBDECK_PG_URL/)
  })

  it('refuses a password written in the config file, naming the place', () => {
    const result = parseConfigText(`postgres: { url: "postgres://jd:secret@db/q" }\n${JOBS}`, '/tmp/jobdeck.yaml')
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.errors[0]?.message).toMatch(/postgres\.url: the password must not be written in the config file/)
  })
})
