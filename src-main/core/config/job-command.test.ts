import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { jobTypeSchema, type JobTypeConfig } from '../../../src-shared/config-schema'
import { buildCommand, laneLimit, resolveLane } from './job-command'
import { parseConfigText, type LoadedConfig } from './load-config'

const jobType = (input: Record<string, unknown>): JobTypeConfig => jobTypeSchema.parse(input)

function loaded(yaml: string): LoadedConfig {
  const result = parseConfigText(yaml, path.resolve('/srv/jobdeck/jobdeck.yaml'))
  if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('\n'))
  return result.config
}

describe('buildCommand', () => {
  it('substitutes params per argv element, keeping spaces inside one element', () => {
    const type = jobType({
      command: ['node', '/srv/fetch.js', '--dealer', '{dealer_id}', '--note={note}', '{missing}'],
      cwd: '/srv',
    })
    const spec = buildCommand(type, { dealer_id: '12345', note: 'two words; rm -rf /' }, {})
    expect(spec.argv).toEqual(['node', '/srv/fetch.js', '--dealer', '12345', '--note=two words; rm -rf /', ''])
    expect(spec.cwd).toBe('/srv')
  })

  it('layers env: process env, then extraEnv, then the type env with params', () => {
    process.env.JOBDECK_TEST_BASE = 'base'
    process.env.JOBDECK_TEST_OVERRIDE = 'from process'
    try {
      const type = jobType({
        command: ['x'],
        cwd: '/srv',
        env: { REGION: 'eu-{region}', JOBDECK_TEST_OVERRIDE: 'from type', PORT: 8080 },
      })
      const spec = buildCommand(type, { region: 'west' }, { JOBDECK_RUN_ID: 'r1', JOBDECK_TEST_OVERRIDE: 'from extra' })
      expect(spec.env.JOBDECK_TEST_BASE).toBe('base')
      expect(spec.env.JOBDECK_RUN_ID).toBe('r1')
      expect(spec.env.JOBDECK_TEST_OVERRIDE).toBe('from type')
      expect(spec.env.REGION).toBe('eu-west')
      expect(spec.env.PORT).toBe('8080')
    } finally {
      delete process.env.JOBDECK_TEST_BASE
      delete process.env.JOBDECK_TEST_OVERRIDE
    }
  })

  it('never lets a type env override the run id its processes are found by', () => {
    const type = jobType({ command: ['x'], cwd: '/srv', env: { JOBDECK_RUN_ID: 'forged' } })
    expect(buildCommand(type, {}, { JOBDECK_RUN_ID: 'r1' }).env.JOBDECK_RUN_ID).toBe('r1')
  })

  it('uses the resolved cwd of a loaded type and fills a templated cwd', () => {
    const config = loaded(
      'jobs:\n  a:\n    command: [x]\n  b:\n    command: [x]\n    cwd: "{root}/out"\n    params: { root: { type: string } }\n',
    )
    const a = config.types.get('a') as JobTypeConfig
    const b = config.types.get('b') as JobTypeConfig
    expect(buildCommand(a, {}, {}).cwd).toBe(path.resolve('/srv/jobdeck'))
    expect(buildCommand(b, { root: '/data' }, {}).cwd).toBe('/data/out')
    expect(() => buildCommand(b, { root: 'data' }, {})).toThrow(/must be an absolute path/)
  })
})

describe('resolveLane', () => {
  it('fills the lane template', () => {
    expect(resolveLane(jobType({ command: ['x'], lane: 'dealer:{dealer_id}' }), { dealer_id: '12345' })).toBe('dealer:12345')
  })

  it('defaults to the default lane', () => {
    expect(resolveLane(jobType({ command: ['x'] }), {})).toBe('default')
    expect(resolveLane(jobType({ command: ['x'], lane: '{group}' }), {})).toBe('default')
  })
})

describe('laneLimit', () => {
  const config = loaded(
    [
      'lanes:',
      '  "dealer:00001": { limit: 5 }',
      '  "dealer:*": { limit: 2 }',
      '  "dealer:0*": { limit: 3 }',
      '  "report.*": { limit: 4 }',
      '  reports: { limit: 6 }',
      'jobs:',
      '  a: { command: [x] }',
    ].join('\n'),
  )

  it('prefers the exact lane key', () => {
    expect(laneLimit(config, 'dealer:00001')).toBe(5)
    expect(laneLimit(config, 'reports')).toBe(6)
  })

  it('falls back to the first matching glob in file order', () => {
    expect(laneLimit(config, 'dealer:01234')).toBe(2)
    expect(laneLimit(config, 'dealer:')).toBe(2)
    expect(laneLimit(config, 'report.daily')).toBe(4)
  })

  it('treats other glob characters literally and defaults to 1', () => {
    expect(laneLimit(config, 'reportXdaily')).toBe(1)
    expect(laneLimit(config, 'xdealer:1')).toBe(1)
    expect(laneLimit(config, 'default')).toBe(1)
  })
})
