import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfigFile } from './load-config'

const EXAMPLE = fs.readFileSync(fileURLToPath(new URL('../../../examples/jobdeck.yaml', import.meta.url)))

/** Text that tends to break YAML readers, schemas and the checks behind them. */
const HOSTILE_SNIPPETS = [
  '[', ']', '{', '}', ':', ': ', '- ', '? ', '"', "'", '#', '&a ', '*a', '&b [*b]', '!!python/object ', '!x ', '!!binary ',
  '---\n', '...\n', '%YAML 1.1\n', '\t', '\r', '\n', '\n  ', '\n      ', '\0', '\\0', '\ufeff', '<<: ', '|\n', '>-\n',
  '.nan', '.inf', '-.inf', '1e400', '25d', '99999999999999999999d', '-1', '0x10', '~', 'null', '__proto__', 'constructor',
  'prototype', '(?=a)', '(a+)+$', '\\1', '\\u00e9', '{dealer_id}', '{nope}', '{{', 'a{2000}', '😀', 'é',
]

/** Whole lines, inserted at the start of a line, where YAML gives them meaning. */
const HOSTILE_LINES = [
  '---', '...', '%YAML 1.1', '  x: !!python/object/apply:os.system [ls]', `  deep: ${'['.repeat(2000)}${']'.repeat(2000)}`,
  `${Array.from({ length: 200 }, (_, i) => `${' '.repeat(i)}k:`).join('\n')} 1`, '  h:\n    http: { url: "http://x", body: &b [*b] }',
  '  __proto__: { command: [node] }', '  constructor: { command: [node] }', '    timeout: 25d', '    timeout: .nan',
  '    killGrace: 99999999999999999999999999d', '      p: { type: string, pattern: "(?<=a)b" }', '  ? [a]\n  : 1',
]

type Mutation =
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'byte'; at: number; byte: number }
  | { kind: 'insert-line'; line: number; text: string }
  | { kind: 'duplicate-line'; line: number }
  | { kind: 'swap-lines'; a: number; b: number }
  | { kind: 'indent'; line: number; by: number }

const position = fc.nat({ max: EXAMPLE.length })
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: position, text: fc.oneof(fc.constantFrom(...HOSTILE_SNIPPETS), fc.string({ maxLength: 8 })) }),
  fc.record({ kind: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('byte' as const), at: position, byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert-line' as const), line: fc.nat({ max: 120 }), text: fc.constantFrom(...HOSTILE_LINES) }),
  fc.record({ kind: fc.constant('duplicate-line' as const), line: fc.nat({ max: 120 }) }),
  fc.record({ kind: fc.constant('swap-lines' as const), a: fc.nat({ max: 120 }), b: fc.nat({ max: 120 }) }),
  fc.record({ kind: fc.constant('indent' as const), line: fc.nat({ max: 120 }), by: fc.integer({ min: -4, max: 4 }) }),
)

function lines(bytes: Buffer): Buffer[] {
  const out: Buffer[] = []
  let start = 0
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, start)) {
    out.push(bytes.subarray(start, i + 1))
    start = i + 1
  }
  if (start < bytes.length) out.push(bytes.subarray(start))
  return out
}

function apply(bytes: Buffer, change: Mutation): Buffer {
  const at = 'at' in change ? Math.min(change.at, bytes.length) : 0
  switch (change.kind) {
    case 'insert':
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(change.text), bytes.subarray(at)])
    case 'delete':
      return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + change.length)])
    case 'byte':
      return Buffer.concat([bytes.subarray(0, at), Buffer.from([change.byte]), bytes.subarray(at + 1)])
    default: {
      const all = lines(bytes)
      const pick = (n: number): number => (all.length === 0 ? 0 : n % all.length)
      if (change.kind === 'insert-line') all.splice(pick(change.line), 0, Buffer.from(`${change.text}\n`))
      if (change.kind === 'duplicate-line') all.splice(pick(change.line), 0, all[pick(change.line)] ?? Buffer.alloc(0))
      if (change.kind === 'swap-lines') {
        const [a, b] = [pick(change.a), pick(change.b)]
        ;[all[a], all[b]] = [all[b] ?? Buffer.alloc(0), all[a] ?? Buffer.alloc(0)]
      }
      if (change.kind === 'indent') {
        const line = all[pick(change.line)] ?? Buffer.alloc(0)
        all[pick(change.line)] =
          change.by >= 0 ? Buffer.concat([Buffer.alloc(change.by, ' '), line]) : line.subarray(Math.min(-change.by, line.length - line.toString().trimStart().length))
      }
      return Buffer.concat(all)
    }
  }
}

let dir: string

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-fuzz-'))
})

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('the example config, mutated at random', () => {
  it('is read without throwing, and every error names a line and column inside the file', { timeout: 120_000 }, () => {
    const file = path.join(dir, 'jobdeck.yaml')
    let refused = 0
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (changes) => {
        const bytes = changes.reduce(apply, EXAMPLE)
        fs.writeFileSync(file, bytes)
        const result = loadConfigFile(file)
        if (result.ok) return
        refused++
        const lineCount = lines(bytes).length + 1
        expect(result.errors.length).toBeGreaterThan(0)
        for (const error of result.errors) {
          expect(error.file).toBe(file)
          expect(Number.isInteger(error.line) && error.line >= 1 && error.line <= lineCount, `line ${error.line}: ${error.message}`).toBe(true)
          expect(Number.isInteger(error.col) && error.col >= 1, `col ${error.col}: ${error.message}`).toBe(true)
          expect(error.message.trim()).not.toBe('')
          expect(error.message).not.toMatch(/Maximum call stack|parseAllDocuments|\[object Object\]|undefined/)
        }
      }),
      { numRuns: 400 },
    )
    // The mutations must break the file most of the time, or the property proves little.
    expect(refused).toBeGreaterThan(200)
  })
})
