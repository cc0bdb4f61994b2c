import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { JobdeckError } from '../../src-shared/errors'
import { prepareDataDir } from './data-dir'

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
