import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { formatConfigError, loadConfigFile, parseConfigText, type ConfigError, type ConfigLoadResult } from './load-config'

let dir: string

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-config-'))
})

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true })
})

function writeConfig(text: string, name = 'jobdeck.yaml'): string {
  const file = path.join(dir, name)
  fs.writeFileSync(file, text)
  return file
}

function errorsOf(result: ConfigLoadResult): ConfigError[] {
  if (result.ok) throw new Error('expected the config to be rejected')
  return result.errors
}

/** `line:col: message` for each error, for compact assertions. */
function located(result: ConfigLoadResult): string[] {
  return errorsOf(result).map((e) => `${e.line}:${e.col}: ${e.message}`)
}

const load = (text: string): ConfigLoadResult => loadConfigFile(writeConfig(text))

/** `line:col` of the first `needle` on 1-based line `line` of `lines`. */
function at(lines: string[], line: number, needle: string): string {
  const col = (lines[line - 1] ?? '').indexOf(needle)
  if (col === -1) throw new Error(`"${needle}" is not on line ${line}`)
  return `${line}:${col + 1}`
}

describe('loadConfigFile errors', () => {
  it('reports a YAML syntax error with file:line:col', () => {
    const file = writeConfig('jobs:\n  a:\n    command: [node, x.js\n  b: 1\n')
    const errors = errorsOf(loadConfigFile(file))
    expect(errors).toHaveLength(1)
    expect(formatConfigError(errors[0] as ConfigError)).toMatch(
      new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:3: YAML syntax error: `),
    )
  })

  it('points at an unknown key and lists the known ones', () => {
    const file = writeConfig('jobs:\n  fetch:\n    command: [node]\n    tmeout: 30m\n')
    const errors = errorsOf(loadConfigFile(file))
    expect(errors.map(formatConfigError)).toEqual([
      `${file}:4:5: jobs.fetch: unknown key "tmeout"; expected one of title, description, command, sql, http, cwd, env, params, ` +
        'lane, timeout, killGrace, retries, priority, onInterrupt, logLimit, needs (did you mean "timeout"?)',
    ])
    expect(errors[0]?.path).toBe('jobs.fetch.tmeout')
  })

  it('explains a bad duration at its value', () => {
    expect(located(load('jobs:\n  fetch:\n    command: [node]\n    timeout: 3 minutes\n'))).toEqual([
      '4:14: jobs.fetch.timeout: expected timeout as a duration like 30s, 10m, 1h30m or 250ms, got "3 minutes"',
    ])
    expect(located(load('jobs:\n  f:\n    command: [node]\n    retries: { base: {} }\n'))).toEqual([
      '4:22: jobs.f.retries.base: expected retries.base as a duration like 30s, 10m, 1h30m or 250ms, got a mapping',
    ])
  })

  it('reports a bad param type, an enum without values and a missing key', () => {
    const lines = [
      'jobs:',
      '  fetch:',
      '    command: [node]',
      '    params:',
      '      n: { type: int }',
      '      kind: { type: enum }',
      '  other:',
      '    title: Other',
    ]
    expect(located(load(lines.join('\n')))).toEqual([
      `${at(lines, 5, 'int')}: jobs.fetch.params.n.type: expected one of string, integer, number, boolean, enum, date, datetime, got "int"`,
      `${at(lines, 6, 'kind')}: jobs.fetch.params.kind.values: an enum param needs \`values: [a, b, …]\``,
      `${at(lines, 7, 'other')}: jobs.other: expected an executor: \`command: [argv…]\`, \`sql: { statement }\` or \`http: { url }\``,
    ])
  })

  it('points at an unknown placeholder inside a command element, cwd, env and lane', () => {
    const lines = [
      'jobs:',
      '  fetch:',
      '    command: [node, "--dealer={dealer}"]',
      '    cwd: "work/{dir}"',
      '    env: { TOKEN: "{token}" }',
      '    lane: "dealer:{dealer}"',
      '    params:',
      '      dealer_id: { type: string }',
    ]
    expect(located(load(lines.join('\n')))).toEqual([
      `${at(lines, 3, '{dealer}')}: jobs.fetch.command[1]: unknown placeholder {dealer}; declared params: dealer_id`,
      `${at(lines, 4, '{dir}')}: jobs.fetch.cwd: unknown placeholder {dir}; declared params: dealer_id`,
      `${at(lines, 5, '{token}')}: jobs.fetch.env.TOKEN: unknown placeholder {token}; declared params: dealer_id`,
      `${at(lines, 6, '{dealer}')}: jobs.fetch.lane: unknown placeholder {dealer}; declared params: dealer_id`,
    ])
  })

  it('reports a malformed brace in a template', () => {
    expect(located(load('jobs:\n  a:\n    command: [node, "{x"]\n'))).toEqual([
      '3:22: jobs.a.command[1]: unclosed "{" at character 1; write {{ for a literal brace',
    ])
  })

  it('checks each default against its own param', () => {
    const lines = [
      'jobs:',
      '  fetch:',
      '    command: [node]',
      '    params:',
      '      dealer_id: { type: string, pattern: "^[0-9]{5}$", default: "12a" }',
      '      pages: { type: integer, min: 1, default: 0 }',
      '      mode: { type: enum, values: [full, delta], default: all }',
    ]
    expect(located(load(lines.join('\n')))).toEqual([
      `${at(lines, 5, '"12a"')}: jobs.fetch.params.dealer_id.default: default "12a" does not pass the param's own ` +
        'validation: expected 5 digits matching ^[0-9]{5}$, got "12a"',
      `${at(lines, 6, '0 }')}: jobs.fetch.params.pages.default: default 0 does not pass the param's own validation: ` +
        'expected an integer of at least 1, got 0',
      `${at(lines, 7, 'all')}: jobs.fetch.params.mode.default: default "all" does not pass the param's own validation: ` +
        'expected one of full, delta, got "all"',
    ])
  })

  it('refuses a default for a secret param and a secret param in a lane', () => {
    const lines = [
      'jobs:',
      '  deploy:',
      '    command: [node, deploy.js]',
      '    env: { API_TOKEN: "{token}" }',
      '    lane: "deploy:{token}"',
      '    params:',
      '      token: { type: string, secret: true, default: hunter2 }',
    ]
    expect(located(load(lines.join('\n')))).toEqual([
      `${at(lines, 5, '{token}')}: jobs.deploy.lane: {token} is a secret param, and a lane name is stored and shown in clear; build the lane from other params`,
      `${at(lines, 7, 'default')}: jobs.deploy.params.token.default: a secret param has no default: it would be written in the config file in clear; give the value when enqueueing`,
    ])
    const ok = load('jobs:\n  deploy:\n    command: [node, "{token}"]\n    params:\n      token: { type: string, secret: true, required: true }\n')
    expect(ok.ok && ok.config.types.get('deploy')?.params.token?.secret).toBe(true)
  })

  it('collects all errors of the file, in file order', () => {
    const text = [
      'runner: { concurrency: 0 }',
      'lanes:',
      '  reports: { limit: many }',
      'jobs:',
      '  fetch:',
      '    command: [node, "{nope}"]',
      '    timeout: soon',
      '    priority: asap',
      '  "bad name": { command: [x] }',
    ].join('\n')
    expect(located(load(text))).toEqual([
      '1:24: runner.concurrency: expected a number of at least 1, got 0',
      '3:21: lanes.reports.limit: expected a number, got "many"',
      '6:22: jobs.fetch.command[1]: unknown placeholder {nope}; this job type declares no params',
      '7:14: jobs.fetch.timeout: expected timeout as a duration like 30s, 10m, 1h30m or 250ms, got "soon"',
      '8:15: jobs.fetch.priority: expected one of normal, high, urgent, got "asap"',
      '9:3: jobs: invalid name "bad name": a job type name is letters, digits, _ or -',
    ])
  })

  it('reports duplicate keys and still validates the rest', () => {
    expect(located(load('jobs:\n  a:\n    command: [x]\n    title: A\n    title: 2\n'))).toEqual([
      '5:5: duplicate key "title"; a key may appear only once in a mapping',
      '5:12: jobs.a.title: expected text, got 2',
    ])
  })

  it('points at an alias without an anchor', () => {
    expect(located(load('jobs:\n  a:\n    command: [x]\n    title: *nope\n'))).toEqual([
      expect.stringMatching(/^4:12: cannot read the YAML: .*nope/),
    ])
  })

  it('names the path of a missing file', () => {
    const missing = path.join(dir, 'nope', 'jobdeck.yaml')
    expect(errorsOf(loadConfigFile(missing))).toEqual([
      { file: missing, line: 1, col: 1, path: '', message: `config file not found: ${missing}` },
    ])
  })

  it('rejects an empty file and a file that is not a mapping', () => {
    expect(located(load(''))).toEqual([
      '1:1: the config is empty; expected a mapping with `jobs:` (and optionally `runner:`, `lanes:`)',
    ])
    expect(located(load('- a\n- b\n'))).toEqual(['1:1: expected a mapping, got a list'])
    expect(located(load('runner: {}\n'))).toEqual(['1:1: missing required key "jobs" (expected a mapping)'])
  })
})

describe('loadConfigFile success', () => {
  it('parses durations and fills defaults', () => {
    const result = load('jobs:\n  a:\n    command: [node, x.js]\n    timeout: 1h30m\n    retries: { max: 2, base: 10s }\n')
    if (!result.ok) throw new Error(result.errors.map(formatConfigError).join('\n'))
    const type = result.config.types.get('a')
    expect(type?.timeout).toBe(90 * 60_000)
    expect(type?.retries).toEqual({ max: 2, backoff: 'exponential', base: 10_000, maxDelay: 3_600_000, jitter: true })
    expect(type?.lane).toBe('default')
    expect(result.config.raw.runner.concurrency).toEqual({ min: 1, max: 1, adaptive: null })
  })

  it('resolves relative paths against the config folder', () => {
    fs.mkdirSync(path.join(dir, 'jobs'))
    fs.writeFileSync(path.join(dir, 'jobs', 'fetch.js'), '')
    fs.mkdirSync(path.join(dir, 'data'))
    fs.writeFileSync(path.join(dir, 'data', 'input.csv'), '')
    const text = [
      'jobs:',
      '  script:',
      '    command: [node, jobs/fetch.js, data/input.csv, data/missing.csv, --out=data/x, "./bin/{v}", "1/2", "https://x/y"]',
      '    params: { v: { type: string } }',
      '  local:',
      '    command: [./bin/tool, data]',
      '    cwd: work',
      '  absolute:',
      '    command: [/usr/bin/env, node]',
      '    cwd: /tmp',
      '  templated:',
      '    command: [node]',
      '    cwd: "{root}/out"',
      '    params: { root: { type: string } }',
    ].join('\n')
    const result = loadConfigFile(writeConfig(text))
    if (!result.ok) throw new Error(result.errors.map(formatConfigError).join('\n'))
    const { types, dir: configDir, path: configPath } = result.config
    expect(configDir).toBe(dir)
    expect(configPath).toBe(path.join(dir, 'jobdeck.yaml'))
    expect(types.get('script')?.command).toEqual([
      'node',
      path.join(dir, 'jobs', 'fetch.js'),
      path.join(dir, 'data', 'input.csv'),
      'data/missing.csv',
      '--out=data/x',
      './bin/{v}',
      '1/2',
      'https://x/y',
    ])
    expect(types.get('script')?.cwd).toBe(dir)
    expect(types.get('local')?.command).toEqual([path.join(dir, 'bin', 'tool'), 'data'])
    expect(types.get('local')?.cwd).toBe(path.join(dir, 'work'))
    expect(types.get('absolute')?.command).toEqual(['/usr/bin/env', 'node'])
    expect(types.get('absolute')?.cwd).toBe('/tmp')
    expect(types.get('templated')?.cwd).toBe('{root}/out')
    // The raw config keeps what the file says.
    expect(result.config.raw.jobs.script?.command?.[1]).toBe('jobs/fetch.js')
  })
})

describe('parseConfigText', () => {
  it('uses the given path in errors and as the base folder', () => {
    const result = parseConfigText('jobs:\n  a:\n    command: [x]\n    cwd: sub\n', '/srv/jobdeck/jobdeck.yaml')
    if (!result.ok) throw new Error('expected success')
    expect(result.config.types.get('a')?.cwd).toBe(path.resolve('/srv/jobdeck/sub'))
    const failed = parseConfigText('jobs: 3\n', '/srv/jobdeck/jobdeck.yaml')
    expect(errorsOf(failed).map(formatConfigError)).toEqual([
      `${path.resolve('/srv/jobdeck/jobdeck.yaml')}:1:7: jobs: expected a mapping, got 3`,
    ])
  })
})
