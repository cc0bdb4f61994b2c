import fs from 'node:fs'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { makeTestEnv, type TestEnv } from './test-support/test-env'

const posix = process.platform !== 'win32'
const modeOf = (file: string): string => `0${(fs.statSync(file).mode & 0o777).toString(8)}`
const CONFIG = 'jobs:\n  a:\n    command: ["true"]\n'

let env: TestEnv
let umask: number
// The usual umask, under which a folder is created 0755 and a file 0644 unless asked otherwise.
beforeAll(() => {
  umask = process.umask(0o022)
})
afterAll(() => void process.umask(umask))
afterEach(() => env?.cleanup())

describe.skipIf(!posix)('the data dir is the owner’s alone', () => {
  it('is created 0700 with the database and its -wal and -shm files 0600', async () => {
    env = makeTestEnv(CONFIG)
    const notices: string[] = []
    const core = env.open({ log: (line) => notices.push(line) })
    await core.api['jobs.enqueue']({ type: 'a', params: {}, priority: 'normal' })
    expect(modeOf(env.dataDir)).toBe('0700')
    for (const name of ['jobdeck.sqlite', 'jobdeck.sqlite-wal', 'jobdeck.sqlite-shm']) expect(modeOf(path.join(env.dataDir, name)), name).toBe('0600')
    // Nothing was tightened: nothing to say.
    expect(notices.filter((line) => line.includes('readable by other users'))).toEqual([])
  })

  it('tightens a data dir an older Jobdeck left readable, and says so once', async () => {
    env = makeTestEnv(CONFIG)
    await env.open().close()
    fs.chmodSync(env.dataDir, 0o755)
    fs.chmodSync(path.join(env.dataDir, 'jobdeck.sqlite'), 0o644)
    fs.writeFileSync(path.join(env.dataDir, 'secrets.json'), '{}', { mode: 0o644 })
    fs.writeFileSync(path.join(env.dataDir, 'notes.txt'), 'not ours to judge', { mode: 0o644 })

    const notices: string[] = []
    env.open({ log: (line) => notices.push(line) })

    expect(modeOf(env.dataDir)).toBe('0700')
    expect(modeOf(path.join(env.dataDir, 'jobdeck.sqlite'))).toBe('0600')
    expect(modeOf(path.join(env.dataDir, 'secrets.json'))).toBe('0600')
    expect(modeOf(path.join(env.dataDir, 'notes.txt'))).toBe('0644')
    const said = notices.filter((line) => line.includes('readable by other users'))
    expect(said).toHaveLength(1)
    expect(said[0]).toContain(env.dataDir)
    expect(said[0]).toMatch(/the folder 0755 → 0700, jobdeck\.sqlite 0644 → 0600, secrets\.json 0644 → 0600/)
  })
})
