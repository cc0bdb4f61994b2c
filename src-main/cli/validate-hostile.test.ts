import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hostileConfigs } from '../core/test-support/hostile-configs'

// Each file goes through the real `jobdeck validate` process, as an operator would run it.
const BIN = fileURLToPath(new URL('../../bin/jobdeck.mjs', import.meta.url))
/**
 * The most a validation may take, start-up of the process included, in CPU time: what the process
 * does, whatever else the machine runs (on a shared 2-core machine at load 6 the wall clock of a
 * 1.5 s validation passed 5 s). The wall clock is held to LIMIT_MS × 3.
 */
const LIMIT_MS = 5_000
/** Two at a time: the machine that runs the suite has two cores. */
const PARALLEL = 2
/** Loaded before the CLI: writes the process's CPU time (µs) to fd 3 as it exits. */
const CPU_REPORT = `data:text/javascript,${encodeURIComponent(
  'import { writeSync } from "node:fs"; process.on("exit", () => { const u = process.cpuUsage(); writeSync(3, String(u.user + u.system)) })',
)}`

interface Outcome {
  code: number | null
  signal: NodeJS.Signals | null
  stderr: string
  wallMs: number
  cpuMs: number
}

const corpus = hostileConfigs()
const outcomes = new Map<string, Outcome>()
let dir: string

function validate(file: string): Promise<Outcome> {
  const started = performance.now()
  const child = spawn(process.execPath, ['--import', CPU_REPORT, BIN, 'validate', '--config', file, '--data-dir', path.join(dir, 'data')], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  })
  const stderr: Buffer[] = []
  const cpu: Buffer[] = []
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk))
  child.stdio[3]?.on('data', (chunk: Buffer) => cpu.push(chunk))
  // Far past the limit: a run this long has failed anyway, and must not hold the suite.
  const killer = setTimeout(() => child.kill('SIGKILL'), 4 * LIMIT_MS)
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(killer)
      const cpuText = Buffer.concat(cpu).toString()
      resolve({
        code,
        signal,
        stderr: Buffer.concat(stderr).toString('utf8'),
        wallMs: performance.now() - started,
        cpuMs: cpuText === '' ? Number.POSITIVE_INFINITY : Number(cpuText) / 1000,
      })
    })
  })
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-hostile-'))
  const queue = corpus.map((config) => {
    const file = path.join(dir, `${config.name}.yaml`)
    fs.writeFileSync(file, config.bytes)
    return { name: config.name, file }
  })
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) outcomes.set(next.name, await validate(next.file))
  }
  await Promise.all(Array.from({ length: PARALLEL }, worker))
}, 600_000)

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true })
})

describe('jobdeck validate on hostile config files', () => {
  it('has a corpus of at least 60 files', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(60)
  })

  it.each(corpus.map((config) => [config.name, config] as const))('%s: exit 1 with file:line:col: and what is wrong, in time', (name, config) => {
    const outcome = outcomes.get(name)
    const file = path.join(dir, `${name}.yaml`)
    expect(outcome?.signal, `${name} was killed`).toBeNull()
    expect(outcome?.code, `${name}: ${outcome?.stderr.slice(0, 2000)}`).toBe(1)
    expect(outcome?.cpuMs, 'CPU time').toBeLessThan(LIMIT_MS)
    expect(outcome?.wallMs, 'wall time').toBeLessThan(3 * LIMIT_MS)
    const lines = (outcome?.stderr ?? '').trimEnd().split('\n')
    const summary = lines.pop()
    expect(summary).toMatch(new RegExp(`^\\d+ errors? in ${escape(file)}$`))
    const positioned = new RegExp(`^${escape(file)}:(\\d+):(\\d+): (.+)$`)
    for (const line of lines) expect(line.slice(0, 300)).toMatch(positioned)
    const first = positioned.exec(lines[0] ?? '')
    expect(first?.[3]).toMatch(config.expect)
    expect(Number(first?.[1])).toBeGreaterThanOrEqual(1)
    expect(Number(first?.[2])).toBeGreaterThanOrEqual(1)
  })
})

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
