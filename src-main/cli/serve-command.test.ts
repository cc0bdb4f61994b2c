import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { makeTestEnv, waitFor, type TestEnv } from '../core/test-support/test-env'
import { parsePort } from './serve-command'

const BIN = fileURLToPath(new URL('../../bin/jobdeck.mjs', import.meta.url))
const CONFIG = 'jobs:\n  nap:\n    command: [node, scripts/sleep.js, "10"]\n'

let env: TestEnv
const children: ChildProcess[] = []

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  env.cleanup()
})

function site(): string {
  const dir = path.join(env.dir, 'renderer')
  fs.mkdirSync(dir)
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Jobdeck</title>')
  return dir
}

function serve(rendererDir: string, extra: string[] = []): { child: ChildProcess; out: () => string; err: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, 'serve', ...extra, '--data-dir', env.dataDir, '--config', env.configPath], {
    env: { ...process.env, JOBDECK_RENDERER_DIR: rendererDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let out = ''
  let err = ''
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()))
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { child, out: () => out, err: () => err, exited }
}

describe('jobdeck serve', () => {
  it('fails with a clear message when the app is not built', () => {
    env = makeTestEnv(CONFIG)
    const result = spawnSync(process.execPath, [BIN, 'serve', '--data-dir', env.dataDir, '--config', env.configPath], {
      encoding: 'utf8',
      env: { ...process.env, JOBDECK_RENDERER_DIR: path.join(env.dir, 'nothing-here') },
    })
    expect(result.status).toBe(1)
    expect(result.stderr).toMatch(/index\.html is missing; run `npm run build` first/)
  })

  it('rejects a bad --port', () => {
    expect(() => parsePort('http')).toThrow(/--port: expected a port number/)
    expect(() => parsePort('70000')).toThrow(/--port/)
    expect(parsePort('8080')).toBe(8080)
    expect(parsePort(undefined)).toBe(0)
  })

  it('serves the app behind its token and stops cleanly on SIGTERM', async () => {
    env = makeTestEnv(CONFIG)
    const { child, out, exited } = serve(site())
    const line = await waitFor(() => /Jobdeck is serving (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64})\n/.exec(out()), 20_000, 'the URL')
    const url = new URL(line[1]!)
    expect(out()).toMatch(/runner started/)
    const bare = await fetch(new URL('/', url), { redirect: 'manual' })
    expect(bare.status).toBe(303)
    expect(bare.headers.get('location')).toBe('/login')
    const page = await fetch(url)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<title>Jobdeck</title>')
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(out()).toMatch(/SIGTERM: stopping/)
  })

  it('serves without running jobs when another runner holds the lock, and says so', async () => {
    env = makeTestEnv(CONFIG)
    const other = env.open()
    other.startRunner()
    const { child, out, exited } = serve(site(), ['--port', '0'])
    await waitFor(() => out().includes('Jobdeck is serving'), 20_000, 'the URL')
    expect(out()).toMatch(/runner in standby: another runner \(pid \d+/)
    expect(out()).toMatch(/serving without running jobs/)
    child.kill('SIGINT')
    expect(await exited).toBe(0)
  })
})
