// `jobdeck … | head`: the reader of the command's output goes away (a real pipe, closed by this
// side), and every command ends quietly with exit 0; the ones that run until stopped stop as on
// Ctrl-C, losing nothing.
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Job, Run } from '../../src-shared/domain'
import { makeTestEnv, type TestEnv } from '../core/test-support/test-env'

const BIN = fileURLToPath(new URL('../../bin/jobdeck.mjs', import.meta.url))

const CONFIG = `
jobs:
  hello:
    command: [node, scripts/sleep.js, "10", "hello"]
`

let env: TestEnv
let site: string
let runId: string

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args, '--data-dir', env.dataDir, '--config', env.configPath], { encoding: 'utf8', timeout: 60_000 })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

/**
 * The command with its stdout on a pipe this side closes: at once (`head -0`), or after reading
 * `afterLines` lines (`head -n N`).
 */
function closedEarly(args: string[], afterLines = 0): Promise<{ code: number | null; signal: string | null; stderr: string; read: string }> {
  const child = spawn(process.execPath, [BIN, ...args, '--data-dir', env.dataDir, '--config', env.configPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, JOBDECK_RENDERER_DIR: site },
  })
  let stderr = ''
  let read = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  if (afterLines === 0) child.stdout.destroy()
  else {
    child.stdout.on('data', (chunk: Buffer) => {
      read += chunk.toString()
      if (read.split('\n').length > afterLines) child.stdout.destroy()
    })
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stderr, read })
    })
  })
}

beforeAll(() => {
  env = makeTestEnv(CONFIG)
  site = path.join(env.dir, 'site')
  fs.mkdirSync(site)
  fs.writeFileSync(path.join(site, 'index.html'), '<!doctype html><title>Jobdeck</title>')
  expect(cli(['enqueue', 'hello']).code).toBe(0)
  expect(cli(['run', '--until-idle']).code).toBe(0)
  runId = (JSON.parse(cli(['history', '--json']).stdout) as Run[])[0]!.id
}, 60_000)

afterAll(() => env.cleanup())

describe('a closed output pipe', () => {
  const commands: Array<[string, () => string[]]> = [
    ['--help', () => ['--help']],
    ['validate', () => ['validate']],
    ['status', () => ['status']],
    ['status --json', () => ['status', '--json']],
    ['history', () => ['history']],
    ['history --json', () => ['history', '--json']],
    ['logs', () => ['logs', runId]],
    ['enqueue', () => ['enqueue', 'hello']],
    ['monitor', () => ['monitor']],
    ['monitor --json', () => ['monitor', '--json']],
    ['run', () => ['run']],
    ['serve', () => ['serve', '--port', '0']],
  ]
  for (const [name, args] of commands) {
    it(`ends \`jobdeck ${name}\` quietly with exit 0`, async () => {
      const result = await closedEarly(args())
      expect(result.stderr).toBe('')
      expect({ code: result.code, signal: result.signal }).toEqual({ code: 0, signal: null })
    }, 40_000)
  }

  it('stops `jobdeck monitor | head -n 1` after its first line', async () => {
    const result = await closedEarly(['monitor'], 1)
    expect(result.read).toMatch(/CPU .* mem /)
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
  }, 40_000)

  it('stops `jobdeck run | head -n 1` as Ctrl-C does: exit 0, every job done or back in the queue', async () => {
    for (let i = 0; i < 5; i++) expect(cli(['enqueue', 'hello']).code).toBe(0)
    const result = await closedEarly(['run'], 1)
    expect(result.read).toMatch(/runner starting on /)
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const jobs = JSON.parse(cli(['status', '--json']).stdout) as { running: unknown[]; queued: Job[] }
    expect(jobs.running).toEqual([])
    const runs = JSON.parse(cli(['history', '--json']).stdout) as Run[]
    expect(runs.every((r) => r.status === 'succeeded' || r.status === 'interrupted')).toBe(true)
  }, 40_000)

  it('does not hide a failure of the command itself', async () => {
    const result = await closedEarly(['history', '--status', 'great'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/--status: expected one of/)
  })
})
