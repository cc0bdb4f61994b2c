// The real engine entry, forked exactly as tests and headless use it, driven through the client.
import { fork, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import Database from 'better-sqlite3'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import type { EventMap } from '../../../src-shared/events'
import type { Job } from '../../../src-shared/domain'
import { makeTestEnv, waitFor, type TestEnv } from '../test-support/test-env'
import { childProcessPort, EngineClient, type EngineClientOptions } from './engine-client'
import { MemorySecretStore, pgSecretKey } from '../secrets/secret-store'
import { engineArgv } from './engine-options'
import { keyId } from '../secrets/param-cipher'

const ENTRY = fileURLToPath(new URL('../engine-entry.ts', import.meta.url))

const CONFIG = `
jobs:
  nap:
    command: [node, scripts/sleep.js, "{ms}", "{tag}"]
    params:
      ms: { type: integer, default: 50 }
      tag: { type: string, default: x }
`

let env: TestEnv
const children: ChildProcess[] = []

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  env.cleanup()
})

function startEngine(execArgv: string[] = [], clientOptions: EngineClientOptions = {}): { child: ChildProcess; client: EngineClient; stderr: () => string; exited: Promise<number | null> } {
  const child = fork(ENTRY, engineArgv({ dataDir: env.dataDir, configPath: env.configPath }), {
    execArgv: ['--import', 'tsx', ...execArgv],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  children.push(child)
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  child.stdout?.resume()
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { child, client: new EngineClient(childProcessPort(child), clientOptions), stderr: () => stderr, exited }
}

/** Electron's parentPort, emulated over the fork channel: messages arrive as { data }. */
function parentPortShim(tag = false): string {
  const shim = `${env.dir}/parent-port-shim.mjs`
  writeFileSync(
    shim,
    `const send = process.send.bind(process)
     process.parentPort = {
       on(event, listener) { if (event === 'message') process.on('message', (data) => listener({ data })) },
       postMessage(message) { send(${tag ? '{ ...message, viaParentPort: true }' : 'message'}) },
     }`,
  )
  return shim
}

/** The engine as the app starts it: through parentPort, with what the app hands over in `handed`. */
function startUnderApp(handed: Record<string, string>, clientOptions: EngineClientOptions = {}): ReturnType<typeof startEngine> {
  const shim = parentPortShim()
  const before = Object.fromEntries(Object.keys(handed).map((name) => [name, process.env[name]]))
  Object.assign(process.env, handed)
  try {
    return startEngine(['--import', shim], clientOptions)
  } finally {
    for (const [name, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  }
}

/** The output of job `id`'s run once it holds `marker`. */
async function outputOnceItHas(client: EngineClient, id: string, marker: string): Promise<string> {
  const deadline = Date.now() + 15_000
  let text = ''
  while (Date.now() < deadline) {
    const log = await client.call('runs.log', { id, afterId: 0, limit: 100 })
    text = log.ok ? (log.value as { lines: Array<{ text: string }> }).lines.map((l) => l.text).join('\n') : ''
    if (text.includes(marker)) break
    await new Promise((r) => setTimeout(r, 50))
  }
  return text
}

describe('engine process', () => {
  it('runs an enqueued job and relays its events', async () => {
    env = makeTestEnv(CONFIG)
    const { client, exited } = startEngine()
    const info = await client.ready
    expect(info).toMatchObject({ dataDir: env.dataDir, configPath: env.configPath, runner: 'running', runnerMessage: null })

    const changes: Job[] = []
    const logs: EventMap['run.log'][] = []
    client.on('job.changed', ({ job }) => changes.push(job))
    client.on('run.log', (payload) => logs.push(payload))

    const enqueued = await client.call('jobs.enqueue', { type: 'nap', params: { ms: 30, tag: 'hello' } })
    expect(enqueued.ok).toBe(true)
    if (!enqueued.ok) return
    const id = enqueued.value.id
    await waitFor(() => changes.find((j) => j.id === id && j.status === 'succeeded'), 20_000, 'job succeeded event')
    expect(changes.filter((j) => j.id === id).map((j) => j.status)).toEqual(expect.arrayContaining(['queued', 'running', 'succeeded']))
    await waitFor(() => logs.some((p) => p.lines.some((l) => l.text.includes('start hello'))), 5_000, 'log lines')

    const detail = await client.call('runs.list', { jobId: id })
    expect(detail.ok && detail.value[0]?.status).toBe('succeeded')

    client.shutdown()
    expect(await exited).toBe(0)
  })

  it('answers malformed calls with invalid_input naming the method and field', async () => {
    env = makeTestEnv(CONFIG)
    const { client } = startEngine()
    const bad = await client.callRaw('jobs.enqueue', { type: 5 })
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_input' } })
    expect(!bad.ok && bad.error.message).toMatch(/^jobs\.enqueue: type: /)
    const unknown = await client.callRaw('jobs.explode', {})
    expect(unknown).toMatchObject({ ok: false, error: { code: 'invalid_input', message: 'unknown API method "jobs.explode"' } })
    const unknownType = await client.callRaw('jobs.enqueue', { type: 'nope' })
    expect(unknownType.ok).toBe(false)
  })

  it('resolves pending calls as unavailable when the engine is killed', async () => {
    env = makeTestEnv(CONFIG)
    const { child, client } = startEngine()
    await client.ready
    child.kill('SIGSTOP') // the call below cannot be answered
    const pending = client.call('runner.status', {})
    const pending2 = client.call('jobs.enqueue', { type: 'nap' })
    child.kill('SIGKILL')
    const [a, b] = await Promise.all([pending, pending2])
    expect(a).toMatchObject({ ok: false, error: { code: 'unavailable' } })
    expect(!a.ok && a.error.message).toMatch(/^runner\.status: the engine stopped/)
    expect(b).toMatchObject({ ok: false, error: { code: 'unavailable' } })
    // Later calls do not hang either.
    expect(await client.call('config.get', {})).toMatchObject({ ok: false, error: { code: 'unavailable' } })
    expect(client.alive).toBe(false)
  })

  it('re-queues a running job when told to shut down', async () => {
    env = makeTestEnv(CONFIG)
    const { client, exited } = startEngine()
    const changes: Job[] = []
    client.on('job.changed', ({ job }) => changes.push(job))
    const job = await client.call('jobs.enqueue', { type: 'nap', params: { ms: 30_000 } })
    if (!job.ok) throw new Error(job.error.message)
    await waitFor(() => changes.some((j) => j.id === job.value.id && j.status === 'running'), 20_000, 'running')
    client.shutdown()
    expect(await exited).toBe(0)
    const core = env.open()
    expect(core.store.getJob(job.value.id).status).toBe('queued')
  })

  it('stops cleanly on SIGTERM', async () => {
    env = makeTestEnv(CONFIG)
    const { child, client, exited } = startEngine()
    await client.ready
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  })

  it('serves in standby when another process holds the runner lock, and follows its work', async () => {
    env = makeTestEnv(CONFIG)
    const other = env.open()
    other.startRunner()
    const { client, stderr } = startEngine()
    const info = await client.ready
    expect(info.runner).toBe('standby')
    expect(info.runnerMessage).toMatch(/another runner \(pid \d+/)
    await waitFor(() => stderr().includes('standby'), 5_000, 'standby log line')

    const changes: Job[] = []
    client.on('job.changed', ({ job }) => changes.push(job))
    const job = await client.call('jobs.enqueue', { type: 'nap', params: { ms: 10 } })
    if (!job.ok) throw new Error(job.error.message)
    // Run by the other process; this engine relays what it committed.
    await waitFor(() => changes.some((j) => j.id === job.value.id && j.status === 'succeeded'), 20_000, 'followed success')
  })

  it('reports a fatal start and exits non-zero', async () => {
    env = makeTestEnv(CONFIG)
    // The data dir path is a file: the database cannot be opened.
    writeFileSync(env.dataDir, 'not a directory')
    const { client, exited } = startEngine()
    await expect(client.ready).rejects.toThrow(/cannot open the database|ENOTDIR|EEXIST/)
    expect(await exited).toBe(1)
    expect(await client.call('config.get', {})).toMatchObject({ ok: false, error: { code: 'unavailable' } })
  })

  it('speaks through process.parentPort when run as an Electron utilityProcess', async () => {
    env = makeTestEnv(CONFIG)
    const { child, client, exited } = startEngine(['--import', parentPortShim(true)])
    const raw: unknown[] = []
    child.on('message', (m) => raw.push(m))
    await client.ready
    expect(await client.call('runner.status', {})).toMatchObject({ ok: true })
    expect(raw.length).toBeGreaterThan(0)
    expect(raw.every((m) => (m as { viaParentPort?: boolean }).viaParentPort === true)).toBe(true)
    client.shutdown()
    expect(await exited).toBe(0)
  })

  it('under the app, keeps the PostgreSQL password it was handed in memory: job processes never see PGPASSWORD', async () => {
    env = makeTestEnv(`
jobs:
  probe:
    command: [node, -e, "console.log('pg=' + (process.env.PGPASSWORD ?? 'none'))"]
`)
    const { client, exited } = startUnderApp({ PGPASSWORD: 'from-the-keychain' })
    await client.ready
    const enqueued = await client.call('jobs.enqueue', { type: 'probe', params: {} })
    if (!enqueued.ok) throw new Error(enqueued.error.message)
    expect(await outputOnceItHas(client, (enqueued.value as Job).id, 'pg=')).toContain('pg=none')
    client.shutdown()
    expect(await exited).toBe(0)
  })

  it("under the app, seals secret params with the keychain's key it was handed, which no job process sees", async () => {
    env = makeTestEnv(`
jobs:
  probe:
    command: [node, -e, "console.log('key=' + (process.env.JOBDECK_APP_SECRET_KEY ?? 'none') + ' token=' + process.argv[1])", "{token}"]
    params:
      token: { type: string, secret: true, required: true }
`)
    const appKey = Buffer.alloc(32, 5)
    const { client, exited } = startUnderApp({ JOBDECK_APP_SECRET_KEY: appKey.toString('base64') })
    await client.ready
    const enqueued = await client.call('jobs.enqueue', { type: 'probe', params: { token: 'hunter2' } })
    if (!enqueued.ok) throw new Error(enqueued.error.message)
    const id = (enqueued.value as Job).id
    expect(await outputOnceItHas(client, id, 'key=')).toBe('key=none token=••••')
    const db = new Database(`${env.dataDir}/jobdeck.sqlite`, { readonly: true })
    const { params } = db.prepare('SELECT params FROM jobs WHERE id = ?').get(id) as { params: string }
    db.close()
    expect(JSON.parse(params).token.kid).toBe(keyId(appKey))
    expect(existsSync(`${env.dataDir}/params.key`)).toBe(false)
    client.shutdown()
    expect(await exited).toBe(0)
  })

  it("under the app, connection.save keeps the password in the app's keychain through the secret port, and connection.test finds it there", async () => {
    env = makeTestEnv(CONFIG)
    const keychain = new MemorySecretStore('secure')
    const { client, exited } = startUnderApp({ JOBDECK_KEYCHAIN: 'secure' }, { secrets: keychain })
    await client.ready
    const url = 'postgres://jd@127.0.0.1:1/jobs'
    expect(await client.call('connection.save', { url: 'postgres://jd:hunter2@127.0.0.1:1/jobs', allowInsecure: false })).toMatchObject({
      ok: true,
      value: { password: 'stored', restartRequired: true },
    })
    expect(await keychain.get(pgSecretKey(url))).toBe('hunter2')
    expect(readFileSync(env.configPath, 'utf8')).toContain(`url: ${url}`)
    expect(readFileSync(env.configPath, 'utf8')).not.toContain('hunter2')
    // connection.test asks the keychain for this server's password (nothing listens on port 1).
    const asked: string[] = []
    const get = keychain.get.bind(keychain)
    keychain.get = async (key) => (asked.push(key), get(key))
    const tested = await client.call('connection.test', { url })
    expect(tested).toMatchObject({ ok: true, value: { ok: false } })
    expect(asked).toEqual([pgSecretKey(url)])
    client.shutdown()
    expect(await exited).toBe(0)
  })

  it('without a keychain from its parent, the engine refuses to keep a password as headless', async () => {
    env = makeTestEnv(CONFIG)
    const { client } = startEngine()
    const refused = await client.call('connection.save', { url: 'postgres://jd@127.0.0.1:1/jobs', password: 'pw', allowInsecure: false })
    expect(refused).toMatchObject({ ok: false, error: { code: 'unavailable', message: /no keychain to keep the password in/ } })
  })
})
