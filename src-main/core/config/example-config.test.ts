// The bundled example must load cleanly and every script must run and speak the line protocol.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { validateParams } from '../../../src-shared/params'
import { exampleConfigPath } from './config-path'
import { buildCommand, laneLimit, resolveLane } from './job-command'
import { formatConfigError, loadConfigFile, type LoadedConfig } from './load-config'

interface Finished {
  code: number | null
  stdout: string[]
  stderr: string[]
}

function run(argv: string[], cwd: string, env: Record<string, string>): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const [program, ...args] = argv
    if (program === undefined) throw new Error('empty argv')
    const child = spawn(program, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout: lines(out), stderr: lines(err) }))
  })
}

const lines = (text: string): string[] => text.split('\n').filter((line) => line !== '')

const PROGRESS_FRACTION = /^::progress \d+\/\d+( .*)?$/
const PROGRESS_PERCENT = /^::progress \d+(\.\d+)?%( .*)?$/
const ITEMS = /^::items ok=(\d+) failed=(\d+)$/

/** Every `::` line the scripts print must be one the executor understands. */
function expectProtocolLines(stdout: string[]): void {
  for (const line of stdout.filter((l) => l.startsWith('::'))) {
    expect([PROGRESS_FRACTION, PROGRESS_PERCENT, ITEMS].some((re) => re.test(line)), line).toBe(true)
  }
}

function lastItems(stdout: string[]): { ok: number; failed: number } | null {
  const line = stdout.filter((l) => ITEMS.test(l)).at(-1)
  const match = line === undefined ? null : ITEMS.exec(line)
  return match ? { ok: Number(match[1]), failed: Number(match[2]) } : null
}

function loadExample(): LoadedConfig {
  const result = loadConfigFile(exampleConfigPath())
  if (!result.ok) throw new Error(result.errors.map(formatConfigError).join('\n'))
  return result.config
}

async function runJob(config: LoadedConfig, typeName: string, input: Record<string, unknown>): Promise<Finished> {
  const type = config.types.get(typeName)
  if (!type) throw new Error(`no job type ${typeName}`)
  const params = validateParams(type.params, input)
  if (!params.ok) throw new Error(params.errors.map((e) => e.message).join('\n'))
  const spec = buildCommand(type, params.params, { JOBDECK_EXAMPLE_SPEED: '0' })
  return run(spec.argv, spec.cwd, spec.env)
}

describe('examples/jobdeck.yaml', () => {
  it('loads without errors and declares the four example types', () => {
    const config = loadExample()
    expect([...config.types.keys()]).toEqual(['fetch-prospects', 'sync-inventory', 'send-invoices', 'rebuild-report'])
    for (const type of config.types.values()) {
      const script = type.command?.[1] as string
      expect(path.isAbsolute(script), script).toBe(true)
      expect(fs.existsSync(script), script).toBe(true)
      expect(type.cwd).toBe(config.dir)
    }
  })

  it('declares two schedules of its types, each with its zone', () => {
    const config = loadExample()
    expect([...config.schedules.values()].map((s) => [s.name, s.job, s.cron ?? s.every, s.timezone])).toEqual([
      ['nightly-prospects-12284', 'fetch-prospects', '0 2 * * *', 'Europe/Berlin'],
      ['inventory-north', 'sync-inventory', '15m', 'UTC'],
    ])
  })

  it('resolves lanes and their limits', () => {
    const config = loadExample()
    const fetch = config.types.get('fetch-prospects')
    const invoices = config.types.get('send-invoices')
    if (!fetch || !invoices) throw new Error('missing example types')
    const lane = resolveLane(fetch, { dealer_id: '12345' })
    expect(lane).toBe('dealer:12345')
    expect(laneLimit(config, lane)).toBe(1)
    expect(laneLimit(config, resolveLane(invoices, {}))).toBe(2)
  })

  it('rejects a bad dealer id with the param name', () => {
    const type = loadExample().types.get('fetch-prospects')
    if (!type) throw new Error('missing fetch-prospects')
    expect(validateParams(type.params, { dealer_id: '12a' })).toEqual({
      ok: false,
      errors: [{ param: 'dealer_id', message: 'param "dealer_id": expected 5 digits matching ^[0-9]{5}$, got "12a"' }],
    })
  })

  it('fetch-prospects reports page progress and succeeds', async () => {
    const result = await runJob(loadExample(), 'fetch-prospects', { dealer_id: '12345', from: '2026-01-01' })
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('::progress 40/100 fetching page 4')
    expect(lastItems(result.stdout)?.failed).toBe(0)
    expectProtocolLines(result.stdout)
  })

  it('fetch-prospects runs without the optional from date', async () => {
    const result = await runJob(loadExample(), 'fetch-prospects', { dealer_id: '54321' })
    expect(result.code).toBe(0)
  })

  it('sync-inventory succeeds with failRate 0 and fails clearly with failRate 1', async () => {
    const config = loadExample()
    const ok = await runJob(config, 'sync-inventory', { failRate: '0' })
    expect(ok.code).toBe(0)
    expect(ok.stdout.some((l) => PROGRESS_FRACTION.test(l))).toBe(true)
    expectProtocolLines(ok.stdout)

    const failed = await runJob(config, 'sync-inventory', { warehouse: 'east', failRate: 1 })
    expect(failed.code).toBe(1)
    expect(failed.stderr.at(-1)).toMatch(/^error: inventory API of warehouse east is unavailable \(503\)/)
  })

  it('send-invoices ends partially successful', async () => {
    const result = await runJob(loadExample(), 'send-invoices', { month: '2026-01', count: '26' })
    expect(result.code).toBe(0)
    expect(lastItems(result.stdout)).toEqual({ ok: 24, failed: 2 })
    expect(result.stderr.some((l) => l.includes('INV-2026-01-0013'))).toBe(true)
    expectProtocolLines(result.stdout)
  })

  it('rebuild-report reports percent progress to 100%', async () => {
    const result = await runJob(loadExample(), 'rebuild-report', { report: 'margins', asOf: '2026-01-02T03:04:05Z' })
    expect(result.code).toBe(0)
    expect(result.stdout.filter((l) => PROGRESS_PERCENT.test(l)).at(-1)).toMatch(/^::progress 100% /)
    expect(result.stdout[0]).toContain('"margins" as of 2026-01-02T03:04:05.000Z')
    expectProtocolLines(result.stdout)
  })

  it('scripts also run as CommonJS, when copied without the package.json', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-examples-'))
    try {
      const jobsDir = path.join(loadExample().dir, 'jobs')
      const env = { ...process.env, JOBDECK_EXAMPLE_SPEED: '0' } as Record<string, string>
      for (const name of fs.readdirSync(jobsDir)) {
        fs.copyFileSync(path.join(jobsDir, name), path.join(dir, name))
        const result = await run(['node', name, '--dealer', '12345', '--fail-rate', '0'], dir, env)
        expect(result.code, `${name}: ${result.stderr.join('\n')}`).toBe(0)
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
