// The engine entry as the app starts it with `--log-file` (its engine.log beside main.log): the
// real entry forked, its lines in the file with level, timestamp and pid, nothing on stderr, and
// a message that held a secret logged by its shape only.
import { fork } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { makeTestEnv, waitFor, type TestEnv } from '../test-support/test-env'
import { childProcessPort, EngineClient } from './engine-client'
import { engineArgv } from './engine-options'

const ENTRY = fileURLToPath(new URL('../engine-entry.ts', import.meta.url))
const PASSWORD = 'HandedOverPw-7Q2'

let env: TestEnv

afterEach(() => env.cleanup())

describe('engine log file', () => {
  it('writes the engine lines to --log-file, leveled and stamped, and a message that held a secret by its shape only', async () => {
    env = makeTestEnv('jobs:\n  nap:\n    command: [node, scripts/sleep.js, "10"]\n')
    const logFile = path.join(env.dir, 'logs', 'engine.log')
    const shim = path.join(env.dir, 'parent-port-shim.mjs')
    // Electron's parentPort over the fork channel: the engine then takes PGPASSWORD as the app's.
    fs.writeFileSync(
      shim,
      `const send = process.send.bind(process)
       process.parentPort = {
         on(event, listener) { if (event === 'message') process.on('message', (data) => listener({ data })) },
         postMessage(message) { send(message) },
       }`,
    )
    const child = fork(ENTRY, engineArgv({ dataDir: env.dataDir, configPath: env.configPath, logFile }), {
      execArgv: ['--import', 'tsx', '--import', shim],
      env: { ...process.env, PGPASSWORD: PASSWORD },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    })
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.stdout?.resume()
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    const client = new EngineClient(childProcessPort(child))
    const info = await client.ready
    expect(info.sqlite).toMatch(/^3\.\d+\.\d+$/)

    // A malformed message holding the password (as a call's args might hold a secret param): the
    // engine says it ignored it, by its shape only.
    child.send({ kind: 'call', id: 'not-a-number', args: { token: PASSWORD } })
    const log = (): string => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '')
    await waitFor(() => log().includes('ignored a malformed message'), 10_000, 'the ignored message in the log')
    client.shutdown()
    expect(await exited).toBe(0)

    const text = log()
    const stamp = String.raw`\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}\]`
    expect(text).toMatch(new RegExp(`^${stamp} \\[info\\] +engine\\[${child.pid}\\]: serving ${env.dataDir.replace(/[/\\]/g, '.')}`, 'm'))
    expect(text).toMatch(/\[info\] +engine\[\d+\]: ignored a malformed message with keys kind, id, args/)
    expect(text).toMatch(/\[info\] +engine\[\d+\]: shutting down/)
    expect(text).not.toContain(PASSWORD)
    expect(stderr).toBe('')
    expect(fs.statSync(logFile).mode & 0o077).toBe(0)
  }, 60_000)
})
