// The audit log through the real command: each `jobdeck` call that changes something leaves one
// record as `cli:user@host`, `jobdeck audit` lists them filtered by time and caller (JSON or a
// table), and a record is on disk before the command answers: a kill -9 right after it leaves it.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli, type CliResult } from '../core/test-support/cli-process'
import type { AuditRecord } from '../../src-shared/access'
import { cliCaller } from '../core/access/callers'
import { DAY } from '../core/test-support/retention-history'
import { makeTestEnv, type TestEnv } from '../core/test-support/test-env'

const BIN = fileURLToPath(new URL('../../bin/jobdeck.mjs', import.meta.url))

let env: TestEnv | null = null
afterEach(() => {
  env?.cleanup()
  env = null
})

const cli = (args: string[]): CliResult => runCli(env, args)

const CONFIG = `jobs:
  greet:
    command: [node, -e, "1"]
    params:
      who: { type: string, default: world }
`

const ME = cliCaller().who

function isWholeJson(text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

describe('jobdeck audit', () => {
  it('lists who changed what, filtered by --since and --who, as JSON or a table', async () => {
    env = makeTestEnv(CONFIG)
    const enqueued = JSON.parse(cli(['enqueue', 'greet', '--param', 'who=ana', '--json']).stdout) as { id: string }
    expect(cli(['cancel', enqueued.id]).code).toBe(0)
    expect(cli(['status']).code).toBe(0)
    // Another caller, two days ago: outside --since 24h.
    const core = env.open()
    await core.audit.record({ caller: { who: 'ops-bot', role: 'operator' }, method: 'runner.pause', args: {}, result: { ok: true, value: null }, at: Date.now() - 2 * DAY })
    await core.close()

    const all = JSON.parse(cli(['audit', '--json']).stdout) as AuditRecord[]
    expect(all.map((r) => [r.who, r.method, r.outcome])).toEqual([
      [ME, 'jobs.cancel', 'ok'],
      [ME, 'jobs.enqueue', 'ok'],
      ['ops-bot', 'runner.pause', 'ok'],
    ])
    expect(all[1]).toMatchObject({ role: 'admin', targets: [enqueued.id], summary: 'type=greet params={who=ana}' })

    const recent = JSON.parse(cli(['audit', '--json', '--since', '24h']).stdout) as AuditRecord[]
    expect(recent.map((r) => r.method)).toEqual(['jobs.cancel', 'jobs.enqueue'])
    const bot = JSON.parse(cli(['audit', '--json', '--who', 'ops-bot']).stdout) as AuditRecord[]
    expect(bot.map((r) => r.method)).toEqual(['runner.pause'])
    expect(JSON.parse(cli(['audit', '--json', '--who', ME, '--limit', '1']).stdout)).toHaveLength(1)

    const text = cli(['audit', '--since', '24h']).stdout.split('\n')
    expect(text[0]).toMatch(/^when\s+who\s+method\s+targets\s+outcome\s+summary$/)
    expect(text[2]).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d  ${ME.replace(/[.]/g, '\\.')}\\s+jobs\\.enqueue\\s+${enqueued.id}\\s+ok\\s+type=greet params=\\{who=ana\\}$`))
    expect(cli(['audit', '--who', 'nobody']).stdout).toBe('no audit records match\n')

    const bad = cli(['audit', '--limit', '0'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/--limit/)
  }, 120_000)

  it('kill -9 right after a change answered leaves its record', async () => {
    env = makeTestEnv(CONFIG)
    expect(cli(['status']).code).toBe(0)
    const child = spawn(process.execPath, [BIN, 'enqueue', 'greet', '--json', '--data-dir', env.dataDir, '--config', env.configPath], { stdio: ['ignore', 'pipe', 'pipe'] })
    const answer = await new Promise<string>((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        // The answer is out: killed at once, before the command closes anything.
        if (isWholeJson(out)) {
          child.kill('SIGKILL')
          resolve(out)
        }
      })
      child.on('exit', () => reject(new Error(`exited before answering: ${out}`)))
    })
    await new Promise((resolve) => child.on('exit', resolve))
    expect(child.signalCode).toBe('SIGKILL')
    const id = (JSON.parse(answer) as { id: string }).id
    const records = JSON.parse(cli(['audit', '--json']).stdout) as AuditRecord[]
    expect(records.map((r) => [r.who, r.method, r.targets])).toEqual([[ME, 'jobs.enqueue', [id]]])
  }, 120_000)
})
