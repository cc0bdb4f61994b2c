import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { MAX_CONFIG_BYTES } from './config-file'
import { loadConfigFile, parseConfigText, type ConfigLoadResult } from './load-config'

const FILE = '/cfg/jobdeck.yaml'

/** `line:col: message` of each error. */
function located(result: ConfigLoadResult): string[] {
  if (result.ok) throw new Error('expected the config to be rejected')
  return result.errors.map((e) => `${e.line}:${e.col}: ${e.message}`)
}

const load = (text: string): ConfigLoadResult => parseConfigText(text, FILE)

describe('durations a timer waits on', () => {
  it('a 25d timeout is refused at its value, naming the maximum (it used to fire after a few ms)', () => {
    expect(located(load('jobs:\n  a:\n    command: [node]\n    timeout: 25d\n'))).toEqual([
      '4:14: jobs.a.timeout: expected timeout of at most 24d (a timer cannot wait longer than 2^31-1 ms, about 24.8 days), got "25d"',
    ])
  })

  it('24d, the maximum, is accepted', () => {
    const result = load('jobs:\n  a:\n    command: [node]\n    timeout: 24d\n    killGrace: 24d\n')
    expect(result.ok && result.config.raw.jobs.a?.timeout).toBe(24 * 86_400_000)
  })

  it('every timer duration of the schema has the cap, written as text or as seconds', () => {
    const fields: Array<[string, string]> = [
      ['jobs.a.timeout', 'jobs:\n  a:\n    command: [node]\n    timeout: V\n'],
      ['jobs.a.killGrace', 'jobs:\n  a:\n    command: [node]\n    killGrace: V\n'],
      ['jobs.a.retries.base', 'jobs:\n  a:\n    command: [node]\n    retries: { base: V }\n'],
      ['jobs.a.retries.maxDelay', 'jobs:\n  a:\n    command: [node]\n    retries: { maxDelay: V }\n'],
      ['jobs.a.http.timeout', 'jobs:\n  a:\n    http: { url: "http://x", timeout: V }\n'],
      ['jobs.a.http.retries.base', 'jobs:\n  a:\n    http: { url: "http://x", retries: { base: V } }\n'],
      ['jobs.a.http.breaker.resetAfter', 'jobs:\n  a:\n    http: { url: "http://x", breaker: { resetAfter: V } }\n'],
      ['jobs.a.sql.statementTimeout', 'jobs:\n  a:\n    sql: { statement: "select 1", statementTimeout: V }\n'],
      ['monitor.interval', 'monitor: { interval: V }\njobs: {}\n'],
      ['monitor.runInterval', 'monitor: { runInterval: V }\njobs: {}\n'],
      ['postgres.connectTimeout', 'postgres: { connectTimeout: V }\njobs: {}\n'],
      ['postgres.statementTimeout', 'postgres: { statementTimeout: V }\njobs: {}\n'],
      ['postgres.lease', 'postgres: { lease: V }\njobs: {}\n'],
      ['connections.db.connectTimeout', 'connections:\n  db: { url: "postgres://u@h/d", connectTimeout: V }\njobs: {}\n'],
    ]
    for (const [path, template] of fields) {
      for (const value of ['25d', '2592000', '99999999999999999999999999999999999999999999999999999d']) {
        const errors = located(load(template.replace('V', value)))
        expect(errors, `${path} = ${value}`).toHaveLength(1)
        expect(errors[0], `${path} = ${value}`).toMatch(new RegExp(`^\\d+:\\d+: ${path.replace(/\./g, '\\.')}: expected .* of at most 24d `))
      }
    }
  })

  it('retention ages are no timers: 30d is the default and 400d is fine, but they must stay finite', () => {
    const ok = load('monitor: { aggregateRetention: 400d }\njobs: {}\n')
    expect(ok.ok && ok.config.raw.monitor.aggregateRetention).toBe(400 * 86_400_000)
    expect(located(load(`monitor: { rawRetention: ${'9'.repeat(400)}d }\njobs: {}\n`))).toEqual([
      // The value is echoed clipped (src-shared/redact.ts), with its length.
      expect.stringMatching(/^1:26: monitor\.rawRetention: expected monitor\.rawRetention of at most 36500d, got "9{100,}… \(403 chars\)$/),
    ])
  })

  it('.nan and .inf are named as such, not as null', () => {
    expect(located(load('jobs:\n  a:\n    command: [node]\n    timeout: .nan\n    killGrace: -.inf\n'))).toEqual([
      '4:14: jobs.a.timeout: expected timeout as a duration like 30s, 10m, 1h30m or 250ms, got .nan (not a number)',
      '5:16: jobs.a.killGrace: expected killGrace as a duration like 30s, 10m, 1h30m or 250ms, got -.inf (infinity)',
    ])
    expect(located(load('jobs:\n  a:\n    command: [node]\n    needs: { maxCpu: .inf }\n    logLimit: .nan\n'))).toEqual([
      '4:22: jobs.a.needs.maxCpu: expected needs.maxCpu as a percentage from 0 to 100 like 80%, got .inf (infinity)',
      '5:15: jobs.a.logLimit: expected a number, got .nan (not a number)',
    ])
  })
})

describe('durations and sizes the config cannot hold exactly', () => {
  it('a duration below a whole millisecond is refused at its value, as text or as seconds, not rounded', () => {
    expect(located(load('jobs:\n  a:\n    command: [node]\n    timeout: 0.5ms\n    killGrace: 0.0005\n'))).toEqual([
      '4:14: jobs.a.timeout: expected timeout as a whole number of milliseconds like 1.5s or 250ms, got "0.5ms"',
      '5:16: jobs.a.killGrace: expected killGrace as a whole number of milliseconds like 1.5s or 250ms, got 0.0005',
    ])
  })

  it('seconds written as a decimal number are exact: 1.001 is 1001 ms', () => {
    const result = load('jobs:\n  a:\n    command: [node]\n    timeout: 1.001\n')
    expect(result.ok && result.config.raw.jobs.a?.timeout).toBe(1001)
  })

  it('a size below a whole byte, or past 2^53-1 bytes, is refused at its value', () => {
    expect(located(load('jobs:\n  a:\n    command: [node]\n    needs: { freeMemory: 1.5b, freeDisk: 0.3KiB }\n'))).toEqual([
      '4:26: jobs.a.needs.freeMemory: expected needs.freeMemory as a whole number of bytes like 1.5KB or 512MiB, got "1.5b"',
      '4:42: jobs.a.needs.freeDisk: expected needs.freeDisk as a whole number of bytes like 1.5KB or 512MiB, got "0.3KiB"',
    ])
    expect(located(load('jobs:\n  a:\n    command: [node]\n    needs: { freeMemory: 1.5, freeDisk: 99999999999999999999TB }\n'))).toEqual([
      '4:26: jobs.a.needs.freeMemory: expected needs.freeMemory as a whole number of bytes like 1.5KB or 512MiB, got 1.5',
      '4:41: jobs.a.needs.freeDisk: expected needs.freeDisk of at most 9007199254740991 bytes (2^53-1, about 8 PiB), got "99999999999999999999TB"',
    ])
  })

  it('2GB is decimal and 2GiB binary, as written', () => {
    const result = load('jobs:\n  a:\n    command: [node]\n    needs: { freeMemory: 2GB, freeDisk: 2GiB }\n')
    expect(result.ok && result.config.raw.jobs.a?.needs).toMatchObject({ freeMemory: 2_000_000_000, freeDisk: 2 * 1024 ** 3 })
  })

  it('a lane rate over half a millisecond is refused (it was rounded up to 1ms)', () => {
    expect(located(load('lanes:\n  l: { rate: 5/0.5ms }\njobs: {}\n'))).toEqual([
      '2:14: lanes.l.rate: expected rate as starts per window like 10/m, 5/2s or 100/1h (N/DURATION), got "5/0.5ms"',
    ])
  })

  it('a lane rate reads with or without spaces, and a value padded with spaces is refused (it backtracked for seconds)', () => {
    const rates = (text: string) => {
      const result = load(`lanes:\n  l: { rate: "${text}" }\njobs: {}\n`)
      return result.ok ? result.config.raw.lanes.l?.rate : located(result)
    }
    expect(rates('10/m')).toEqual({ limit: 10, windowMs: 60_000, text: '10/m' })
    expect(rates(' 5 / 2 s ')).toEqual({ limit: 5, windowMs: 2_000, text: '5/2s' })
    expect(rates('100/1.5h')).toEqual({ limit: 100, windowMs: 5_400_000, text: '100/1.5h' })
    expect(rates(`1/${' '.repeat(100_000)}!`)).toEqual([expect.stringMatching(/^2:14: lanes\.l\.rate: expected rate as starts per window like 10\/m/)])
    expect(rates('5/.5s')).toEqual([expect.stringMatching(/^2:14: lanes\.l\.rate: expected rate as starts per window/)])
  })

  it('a schedule interval must be whole milliseconds and at most 36500d', () => {
    const text = 'jobs:\n  a:\n    command: [node]\nschedules:\n  s: { job: a, every: 1.0005s }\n  t: { job: a, every: 99999999999999999999d }\n'
    expect(located(load(text))).toEqual([
      '5:23: schedules.s.every: expected an interval of whole milliseconds like 1m or 1.5s, got "1.0005s"',
      '6:23: schedules.t.every: expected an interval of at most 36500d, got "99999999999999999999d"',
    ])
  })
})

describe('param patterns in the config', () => {
  it('a pattern RE2 cannot run is refused at its value with the reason', () => {
    const lines = [
      'jobs:',
      '  a:',
      '    command: [node]',
      '    params:',
      '      p: { type: string, pattern: "(?=a)a" }',
      '      q: { type: string, pattern: "(x)\\\\1" }',
    ]
    expect(located(load(lines.join('\n')))).toEqual([
      '5:35: jobs.a.params.p.pattern: invalid regular expression (?=a)a: look-ahead (?=…) is not supported (patterns run in linear time)',
      '6:35: jobs.a.params.q.pattern: invalid regular expression (x)\\1: backreference \\1 is not supported (patterns run in linear time)',
    ])
  })

  it('^(a+)+$ is a valid pattern, and validate gives its verdict at once', () => {
    const value = `${'a'.repeat(30)}!`
    expect(located(load(`jobs:\n  a:\n    command: [node]\n    params:\n      p: { type: string, pattern: "^(a+)+$", default: "${value}" }\n`))).toEqual([
      `5:55: jobs.a.params.p.default: default "${value}" does not pass the param's own validation: expected a value matching ^(a+)+$, got "${value}"`,
    ])
  })
})

describe('reserved names', () => {
  const reserved = '__proto__, constructor and prototype are reserved names; choose another'

  it('a job type named __proto__ is refused at its key (it vanished: "valid: 0 job types")', () => {
    expect(located(load('jobs:\n  __proto__:\n    command: [node]\n  ok:\n    command: [node]\n'))).toEqual([
      `2:3: jobs: invalid name "__proto__": ${reserved}`,
    ])
  })

  it('constructor and prototype are refused as names of job types, lanes, params and connections', () => {
    const lines = [
      'lanes:',
      '  prototype: { limit: 2 }',
      'connections:',
      '  constructor: { url: "postgres://u@h/d" }',
      'jobs:',
      '  constructor:',
      '    command: [node]',
      '  a:',
      '    command: [node]',
      '    params:',
      '      prototype: { type: string }',
      '      __proto__: { type: string }',
      '    env: { __proto__: x, constructor: y }',
      '    retries: { __proto__: 1 }',
    ]
    expect(located(load(lines.join('\n')))).toEqual([
      `2:3: lanes: invalid name "prototype": ${reserved}`,
      `4:3: connections: invalid name "constructor": ${reserved}`,
      `6:3: jobs: invalid name "constructor": ${reserved}`,
      `11:7: jobs.a.params: invalid name "prototype": ${reserved}`,
      `12:7: jobs.a.params: invalid name "__proto__": ${reserved}`,
      `13:12: jobs.a.env: invalid name "__proto__": ${reserved}`,
      `13:26: jobs.a.env: invalid name "constructor": ${reserved}`,
      `14:16: jobs.a.retries: invalid name "__proto__": ${reserved}`,
    ])
  })
})

describe('the size of the config file', () => {
  const tooLarge = (size: string): string =>
    `1:1: the config file is ${size}; a config file is at most 1 MiB (1048576 bytes), which holds thousands of job types`

  it('a file over 1 MiB is refused before it is parsed', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-size-'))
    try {
      const file = path.join(dir, 'jobdeck.yaml')
      // Not even valid YAML past the first line: it is never parsed.
      fs.writeFileSync(file, `jobs: {}\n${'['.repeat(20 * 1024 * 1024)}`)
      expect(located(loadConfigFile(file))).toEqual([tooLarge('20 MiB (20971529 bytes)')])
      fs.writeFileSync(file, `jobs: {}\n#${'x'.repeat(MAX_CONFIG_BYTES - 11)}\n`)
      expect(loadConfigFile(file).ok).toBe(true)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it('a device without end is read no further than the limit', () => {
    if (!fs.existsSync('/dev/zero')) return
    expect(located(loadConfigFile('/dev/zero'))).toEqual([tooLarge('over 1 MiB')])
  })

  it('text handed over directly has the same limit', () => {
    expect(located(load(`jobs: {}\n#${'x'.repeat(MAX_CONFIG_BYTES)}\n`))).toEqual([tooLarge('1.0 MiB (1048587 bytes)')])
  })

  it('a mapping of 40 000 keys is checked in time (duplicates and positions were found by scanning every key for each key)', { timeout: 20_000 }, () => {
    const keys = Array.from({ length: 40_000 }, (_, i) => `  j${i}: 1`)
    keys.push('  j17: 1', '  "1": 1', '  1: 1')
    const errors = located(load(`jobs:\n${keys.join('\n')}\n`))
    expect(errors).toHaveLength(40_000 + 3)
    expect(errors[0]).toBe('2:7: jobs.j0: expected a mapping, got 1')
    expect(errors.filter((e) => e.includes('duplicate key'))).toEqual([
      '40002:3: duplicate key "j17"; a key may appear only once in a mapping',
      '40004:3: duplicate key "1"; a key may appear only once in a mapping',
    ])
  })
})

describe('values no job can start with', () => {
  it('a NUL written as "\\0" in a command, env value or cwd is refused (the file is text, the value is not)', () => {
    const why = 'a program argument, environment variable or path cannot hold one'
    expect(located(load('jobs:\n  a:\n    command: [node, "a\\0b"]\n    env: { A: "x\\0" }\n    cwd: "\\0"\n'))).toEqual([
      `3:21: jobs.a.command[1]: holds a NUL character (\\0) at character 2; ${why}`,
      `4:15: jobs.a.env.A: holds a NUL character (\\0) at character 2; ${why}`,
      `5:10: jobs.a.cwd: holds a NUL character (\\0) at character 1; ${why}`,
    ])
  })
})
