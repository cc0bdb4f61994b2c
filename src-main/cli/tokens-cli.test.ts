// `jobdeck tokens` through the real command: create prints the token once, alone on its last line;
// list never shows it; a revocation made by the CLI (another process) is refused by a serving
// core within a second.
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli, type CliResult } from '../core/test-support/cli-process'
import type { ApiToken } from '../../src-shared/access'
import { CACHE_MS } from '../core/access/api-tokens'
import { makeTestEnv, sleep, type TestEnv } from '../core/test-support/test-env'


let env: TestEnv
afterEach(() => env?.cleanup())

const cli = (args: string[]): CliResult => runCli(env, args)

describe('jobdeck tokens', () => {
  it('create prints the token once, alone on the last line; list shows it without the token; revoke is heard by a running server within a second', async () => {
    env = makeTestEnv(`jobs:\n  greet:\n    command: [node, -e, "1"]\n`)
    const made = cli(['tokens', 'create', 'ci-bot', '--role', 'operator', '--expires', '90d'])
    expect(made.stderr).toBe('')
    expect(made.code).toBe(0)
    const lines = made.stdout.trimEnd().split('\n')
    const secret = lines.at(-1) ?? ''
    expect(secret).toMatch(/^jdk_[A-Za-z0-9_-]{43}$/)
    expect(lines.at(-2)).toMatch(/^token ci-bot \(operator, expires \d{4}-\d\d-\d\d [\d:]+\); it is shown this once/)

    const serving = env.open()
    expect(await serving.tokens.verify(secret)).toEqual({ who: 'ci-bot', role: 'operator' })

    const listed = cli(['tokens', 'list'])
    expect(listed.code).toBe(0)
    expect(listed.stdout).toMatch(/^name\s+role\s+state\s+created\s+by\s+expires\s+last used\n/)
    expect(listed.stdout).toMatch(/ci-bot\s+operator\s+active\s+.*cli:/)
    const json = cli(['tokens', 'list', '--json'])
    const tokens = JSON.parse(json.stdout) as ApiToken[]
    expect(tokens).toEqual([expect.objectContaining({ name: 'ci-bot', role: 'operator', revokedAt: null, createdBy: expect.stringMatching(/^cli:.+@.+/) })])
    for (const out of [listed.stdout, json.stdout]) expect(out).not.toContain(secret.slice(4))
    for (const file of fs.readdirSync(env.dataDir)) expect(fs.readFileSync(path.join(env.dataDir, file)).includes(secret.slice(4)), file).toBe(false)

    const revoked = cli(['tokens', 'revoke', 'ci-bot'])
    expect(revoked.code).toBe(0)
    expect(revoked.stdout).toMatch(/^revoked token ci-bot \(operator\)/)
    await sleep(CACHE_MS)
    expect(await serving.tokens.verify(secret)).toBeNull()
    expect((JSON.parse(cli(['tokens', 'list', '--json']).stdout) as ApiToken[])[0]?.revokedAt).not.toBeNull()
  })

  it('says what is wrong: a missing or unknown role, a bad expiry, a taken name, an unknown token', () => {
    env = makeTestEnv(`jobs:\n  greet:\n    command: [node, -e, "1"]\n`)
    expect(cli(['tokens', 'create', 'bot'])).toMatchObject({ code: 1, stderr: expect.stringContaining('--role is required: viewer, operator or admin') })
    expect(cli(['tokens', 'create', 'bot', '--role', 'boss'])).toMatchObject({ code: 1, stderr: expect.stringContaining('--role: expected one of viewer, operator, admin, got "boss"') })
    expect(cli(['tokens', 'create', 'bot', '--role', 'viewer', '--expires', 'soon'])).toMatchObject({ code: 1, stderr: expect.stringContaining('expires: expected a duration from now such as 90d') })
    expect(cli(['tokens', 'create', 'bot', '--role', 'viewer']).code).toBe(0)
    expect(cli(['tokens', 'create', 'bot', '--role', 'admin'])).toMatchObject({ code: 1, stderr: expect.stringContaining('a token named "bot" exists already') })
    expect(cli(['tokens', 'revoke', 'nobody'])).toMatchObject({ code: 1, stderr: expect.stringContaining('no token named "nobody"') })
    expect(cli(['tokens', 'list']).stdout).toMatch(/bot\s+viewer\s+active/)
  })
})
