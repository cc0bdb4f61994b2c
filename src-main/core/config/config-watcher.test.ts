import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { makeTestEnv, waitFor, type TestEnv } from '../test-support/test-env'
import { watchConfigFile, type ConfigWatcher } from './config-watcher'

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

describe('watchConfigFile', () => {
  let dir: string
  let watcher: ConfigWatcher | null = null
  afterEach(() => {
    watcher?.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('reports a save in place and a save by rename once each, and a save that changed nothing not at all', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-watch-'))
    const file = path.join(dir, 'jobdeck.yaml')
    fs.writeFileSync(file, 'jobs: {}\n')
    let changes = 0
    watcher = watchConfigFile(file, () => changes++, { debounceMs: 50, pollMs: 10_000 })

    // An editor writing in several steps: one reload, after the burst.
    fs.writeFileSync(file, 'jobs:\n')
    fs.appendFileSync(file, '  a: { command: ["true"] }\n')
    await waitFor(() => changes === 1, 3_000, 'the in-place save')
    await sleep(200)
    expect(changes).toBe(1)

    // vim and most editors: a new file renamed over the old one.
    fs.writeFileSync(`${file}.swp`, 'jobs:\n  b: { command: ["true"] }\n')
    fs.renameSync(`${file}.swp`, file)
    await waitFor(() => changes === 2, 3_000, 'the save by rename')

    // Touched, same bytes: nothing to reload. Another file in the folder: not ours.
    fs.writeFileSync(file, fs.readFileSync(file))
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'x')
    await sleep(300)
    expect(changes).toBe(2)
  })

})

describe('a long-lived engine follows its config file', () => {
  let env: TestEnv
  afterEach(() => env.cleanup())

  it('picks up an edit by itself, keeps the previous config while the file is broken, and says so', async () => {
    env = makeTestEnv('jobs:\n  first: { command: ["true"] }\n')
    const core = env.open({ watchConfig: true })
    const events: Array<{ ok: boolean; errors: string[] }> = []
    core.events.on('config.changed', (payload) => events.push(payload))

    env.writeConfig('jobs:\n  first: { command: ["true"] }\n  second: { command: ["true"] }\n')
    await waitFor(() => core.config.current.types.has('second'), 5_000, 'the new job type')
    expect(events.at(-1)).toMatchObject({ ok: true, errors: [] })

    env.writeConfig('jobs:\n  first: { command: ["true"] }\n  second: { command: ["true"], timeout: soon }\n')
    await waitFor(() => events.at(-1)?.ok === false, 5_000, 'the broken edit to be reported')
    expect(events.at(-1)?.errors[0]).toMatch(/jobdeck\.yaml:3:\d+: jobs\.second\.timeout/)
    expect([...core.config.current.types.keys()]).toEqual(['first', 'second'])
    expect((await core.api['config.get']({})).ok).toBe(false)

    env.writeConfig('jobs:\n  third: { command: ["true"] }\n')
    await waitFor(() => events.at(-1)?.ok === true, 5_000, 'the fix')
    expect([...core.config.current.types.keys()]).toEqual(['third'])
    await core.close()
  })

  it('a short-lived command does not watch', async () => {
    env = makeTestEnv('jobs:\n  first: { command: ["true"] }\n')
    const core = env.open()
    env.writeConfig('jobs:\n  other: { command: ["true"] }\n')
    await sleep(700)
    expect([...core.config.current.types.keys()]).toEqual(['first'])
    await core.close()
  })
})
