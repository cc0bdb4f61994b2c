import { isUtf8 } from 'node:buffer'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { firstInvalidUtf8 } from './config-file'
import { loadConfigFile, type ConfigLoadResult } from './load-config'
import { MAX_YAML_DEPTH } from './yaml-document'

let dir: string

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-yaml-'))
})

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true })
})

function loadBytes(bytes: Uint8Array): ConfigLoadResult {
  const file = path.join(dir, 'jobdeck.yaml')
  fs.writeFileSync(file, bytes)
  return loadConfigFile(file)
}

const load = (text: string): ConfigLoadResult => loadBytes(Buffer.from(text, 'utf8'))

function located(result: ConfigLoadResult): string[] {
  if (result.ok) throw new Error('expected the config to be rejected')
  return result.errors.map((e) => `${e.line}:${e.col}: ${e.message}`)
}

const CONFIG = 'jobs:\n  a:\n    title: Café ☕\n    command: [node]\n    timeout: 25d\n'
const TIMEOUT_ERROR = '5:14: jobs.a.timeout: expected timeout of at most 24d (a timer cannot wait longer than 2^31-1 ms, about 24.8 days), got "25d"'

function utf16(text: string, order: 'le' | 'be', bom = true): Buffer {
  const le = Buffer.from(`${bom ? '\ufeff' : ''}${text}`, 'utf16le')
  return order === 'le' ? le : Buffer.from(le).swap16()
}

describe('the encoding of the config file', () => {
  it('UTF-16 with a byte order mark is read, little or big endian, with the same positions', () => {
    expect(located(loadBytes(utf16(CONFIG, 'le')))).toEqual([TIMEOUT_ERROR])
    expect(located(loadBytes(utf16(CONFIG, 'be')))).toEqual([TIMEOUT_ERROR])
    const fine = loadBytes(utf16(CONFIG.replace('25d', '25m'), 'le'))
    expect(fine.ok && fine.config.raw.jobs.a?.title).toBe('Café ☕')
  })

  it('UTF-16 without a byte order mark, and UTF-32, are refused (they read as garbled text)', () => {
    const advice = 'save it as UTF-8'
    expect(located(loadBytes(utf16(CONFIG, 'le', false)))).toEqual([`1:1: the config file looks like UTF-16 without a byte order mark; ${advice}`])
    expect(located(loadBytes(utf16(CONFIG, 'be', false)))).toEqual([`1:1: the config file looks like UTF-16 without a byte order mark; ${advice}`])
    expect(located(loadBytes(Buffer.from([0xff, 0xfe, 0, 0, 0x6a, 0, 0, 0])))).toEqual([
      `1:1: the config file is UTF-32, which is not supported; ${advice}`,
    ])
    expect(located(loadBytes(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('jobs: {}', 'utf16le').subarray(1)])))).toEqual([
      `1:1: the config file starts as UTF-16LE but is not valid UTF-16LE; ${advice}`,
    ])
  })

  it('a byte that is not UTF-8 (Latin-1 é) is refused at its line and column, not replaced', () => {
    const latin1 = Buffer.from('jobs:\n  a:\n    title: "Caf\xe9"\n    command: [node]\n', 'latin1')
    expect(located(loadBytes(latin1))).toEqual([
      '3:16: the config file is not valid UTF-8: byte 0xE9 here is not part of a UTF-8 character (is the file Latin-1 or Windows-1252?); save it as UTF-8',
    ])
    // The column counts characters, as every other position does: "☕ " before the bad byte are two.
    expect(located(loadBytes(Buffer.concat([Buffer.from('jobs: {}\n# ☕ '), Buffer.from([0xc0, 0xaf])])))[0]).toMatch(/^2:5: .*byte 0xC0/)
  })

  it('an empty file is empty, not UTF-16', () => {
    expect(located(loadBytes(Buffer.alloc(0)))).toEqual([
      '1:1: the config is empty; expected a mapping with `jobs:` (and optionally `runner:`, `lanes:`)',
    ])
  })

  it('a UTF-8 byte order mark is skipped', () => {
    const result = loadBytes(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(CONFIG)]))
    expect(located(result)).toEqual([TIMEOUT_ERROR])
  })

  it('a NUL character is refused at its place', () => {
    expect(located(load('jobs:\n  a:\n    command: [node, "x\0y"]\n'))).toEqual([
      '3:23: the config file holds a NUL character here; a config file is text',
    ])
  })

  it('finds the first bad byte exactly where Node finds the text invalid', () => {
    const bytes = fc.uint8Array({ maxLength: 24 }).chain((prefix) =>
      fc.constantFrom(...['', '€', '😀', 'é', 'a'].map((s) => Buffer.from(s))).map((valid) => Buffer.concat([valid, prefix, valid])),
    )
    fc.assert(
      fc.property(bytes, (sample) => {
        const bad = firstInvalidUtf8(sample)
        expect(bad === -1).toBe(isUtf8(sample))
        if (bad > 0) expect(isUtf8(sample.subarray(0, bad))).toBe(true)
      }),
      { numRuns: 2000 },
    )
  })
})

describe('YAML the config does not take', () => {
  it('an unknown tag is refused, naming it (it was read as text)', () => {
    expect(located(load('jobs:\n  a:\n    command: !!python/object [node]\n    title: !secret x\n    env: { A: !!binary aGk= }\n'))).toEqual([
      '3:14: unknown YAML tag !!python/object; the config holds plain text, numbers, true/false, lists and mappings (remove the tag)',
      '4:12: unknown YAML tag !secret; the config holds plain text, numbers, true/false, lists and mappings (remove the tag)',
      '5:15: unknown YAML tag !!binary; the config holds plain text, numbers, true/false, lists and mappings (remove the tag)',
    ])
    const plain = load('jobs:\n  a:\n    command: !!seq [node, !!str 12]\n')
    expect(plain.ok && plain.config.raw.jobs.a?.command).toEqual(['node', '12'])
  })

  it(`nesting deeper than ${MAX_YAML_DEPTH} levels is refused at the level that passes it (it overflowed the stack)`, () => {
    // The body of an http job is the only place a config nests freely; it starts at level 5.
    const body = (levels: number): string => `${'['.repeat(levels)}${']'.repeat(levels)}`
    const config = (levels: number): string => `jobs:\n  a:\n    http:\n      url: "http://x"\n      body: ${body(levels)}\n`
    expect(load(config(MAX_YAML_DEPTH - 4)).ok).toBe(true)
    expect(located(load(config(MAX_YAML_DEPTH - 3)))).toEqual([
      `5:${13 + MAX_YAML_DEPTH - 4}: the YAML nests deeper than ${MAX_YAML_DEPTH} levels of mappings and lists here`,
    ])
    expect(located(load(`jobs:\n  a:\n    http:\n      url: "http://x"\n      body: ${body(100_000)}\n`))).toHaveLength(1)
    const blocks = Array.from({ length: 900 }, (_, i) => `${' '.repeat(i)}k:`).join('\n')
    expect(located(load(`${blocks} 1\n`))).toEqual([`${MAX_YAML_DEPTH + 1}:${MAX_YAML_DEPTH + 1}: the YAML nests deeper than ${MAX_YAML_DEPTH} levels of mappings and lists here`])
  })

  it('a mapping or list as a key is refused (it became "[ a, b ]" text, with a warning on stderr)', () => {
    expect(located(load('jobs:\n  ? [a, b]\n  : { command: [node] }\n  ? { x: 1 }\n  : 2\n'))).toEqual([
      '2:5: a key must be text, not a list',
      '4:5: a key must be text, not a mapping',
    ])
  })

  it('a second document is refused where it starts', () => {
    expect(located(load('jobs:\n  a:\n    command: [node]\n---\njobs: {}\n'))).toEqual([
      '4:1: the config must be one YAML document; found a second at 4:1',
    ])
    expect(located(load('jobs: {}\n...\nrunner: {}\n'))).toEqual(['3:1: the config must be one YAML document; found a second at 3:1'])
  })

  it('an alias inside its own anchor is refused (the value would contain itself); other aliases are fine', () => {
    expect(located(load('jobs:\n  a:\n    http: { url: "http://x", body: &b { list: [1, *b] } }\n'))).toEqual([
      '3:51: alias *b is inside the value its anchor &b names, so that value would contain itself',
    ])
    const shared = load('jobs:\n  a:\n    command: [node]\n    env: &env { REGION: eu }\n  b:\n    command: [node]\n    env: *env\n')
    expect(shared.ok && shared.config.raw.jobs.b?.env).toEqual({ REGION: 'eu' })
  })
})
