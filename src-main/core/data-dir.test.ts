import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { JobdeckError } from '../../src-shared/errors'
import { prepareDataDir } from './data-dir'
import { makeTestEnv, type TestEnv } from './test-support/test-env'

let dir: string
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-data-dir-'))
})
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

function refusal(target: string, place?: string): JobdeckError {
  try {
    prepareDataDir(target, place)
  } catch (error) {
    if (error instanceof JobdeckError) return error
    throw error
  }
  throw new Error(`${target} was accepted`)
}

const linux = process.platform === 'linux'

describe('prepareDataDir', () => {
  it('makes a missing folder and its missing parents', () => {
    const target = path.join(dir, 'a', 'b', 'c')
    expect(prepareDataDir(target)).toBe(target)
    expect(fs.statSync(target).isDirectory()).toBe(true)
    expect(prepareDataDir(target)).toBe(target) // an existing folder is fine
  })

  it('refuses a file, naming the flag and saying what is wrong', () => {
    const file = path.join(dir, 'notes.txt')
    fs.writeFileSync(file, 'x')
    const error = refusal(file, '--data-dir')
    expect(error.code).toBe('invalid_input')
    expect(error.message).toBe(`--data-dir ${file}: is a file, not a folder; cannot open the database there (expected a folder Jobdeck can create and write in)`)
    expect(refusal(path.join(file, 'sub', 'dir')).message).toContain(`cannot be created: ${file} is a file, not a folder`)
  })

  it.runIf(linux)('refuses /proc and /sys at once instead of hanging', () => {
    expect(refusal('/proc/x', 'JOBDECK_DATA_DIR').message).toMatch(/^JOBDECK_DATA_DIR \/proc\/x: is on the proc pseudo filesystem/)
    expect(refusal('/proc').message).toMatch(/is on the proc pseudo filesystem/)
    expect(refusal('/sys/jobdeck/data').message).toMatch(/is on the sysfs pseudo filesystem/)
    expect(refusal('/dev/jobdeck').message).toMatch(/is on \/dev, a filesystem of kernel state/)
  })

  it.runIf(process.getuid?.() !== 0)('refuses a folder it cannot write (not testable as root, who may write anywhere)', () => {
    const locked = path.join(dir, 'locked')
    fs.mkdirSync(locked, { mode: 0o500 })
    expect(refusal(locked).message).toMatch(/is not writable \(permission denied\)/)
    expect(refusal(path.join(locked, 'inner')).message).toMatch(/cannot be created \(permission denied at /)
  })
})

const posix = process.platform !== 'win32'
const modeOf = (file: string): string => `0${(fs.statSync(file).mode & 0o777).toString(8)}`
const CONFIG = 'jobs:\n  a:\n    command: ["true"]\n'

describe.skipIf(!posix)('the data dir is the owner’s alone', () => {
  let env: TestEnv
  let umask: number
  // The usual umask, under which a folder is created 0755 and a file 0644 unless asked otherwise.
  beforeAll(() => {
    umask = process.umask(0o022)
  })
  afterAll(() => void process.umask(umask))
  afterEach(() => env?.cleanup())

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
