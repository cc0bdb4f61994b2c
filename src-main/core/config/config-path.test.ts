import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { exampleConfigPath, findConfigPath, outsideArchive } from './config-path'

let dataDir: string

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-data-'))
})

afterEach(() => {
  fs.rmSync(dataDir, { recursive: true, force: true })
})

describe('findConfigPath', () => {
  const examplePath = '/opt/jobdeck/examples/jobdeck.yaml'

  it('prefers the flag, then the env, even when the file is missing', () => {
    fs.writeFileSync(path.join(dataDir, 'jobdeck.yaml'), 'jobs: {}\n')
    expect(findConfigPath({ flag: '/etc/a.yaml', env: '/etc/b.yaml', dataDir, examplePath })).toEqual({
      path: '/etc/a.yaml',
      source: 'flag',
    })
    expect(findConfigPath({ env: '/etc/b.yaml', dataDir, examplePath })).toEqual({ path: '/etc/b.yaml', source: 'env' })
    expect(findConfigPath({ flag: 'rel.yaml', dataDir, examplePath }).path).toBe(path.resolve('rel.yaml'))
  })

  it('uses the data dir config when present, else the example', () => {
    expect(findConfigPath({ flag: '', env: '  ', dataDir, examplePath })).toEqual({ path: examplePath, source: 'example' })
    fs.writeFileSync(path.join(dataDir, 'jobdeck.yaml'), 'jobs: {}\n')
    expect(findConfigPath({ dataDir, examplePath })).toEqual({
      path: path.join(dataDir, 'jobdeck.yaml'),
      source: 'data-dir',
    })
  })
})

describe('exampleConfigPath', () => {
  it('finds examples/jobdeck.yaml of this checkout', () => {
    const found = exampleConfigPath()
    expect(found).toBe(path.resolve(import.meta.dirname, '../../../examples/jobdeck.yaml'))
    expect(fs.existsSync(found)).toBe(true)
  })
})

describe('outsideArchive', () => {
  it('uses the unpacked copy of a file packaged inside app.asar, when there is one', () => {
    const packed = '/opt/Jobdeck/resources/app.asar/examples/jobdeck.yaml'
    const unpacked = '/opt/Jobdeck/resources/app.asar.unpacked/examples/jobdeck.yaml'
    expect(outsideArchive(packed, (p) => p === unpacked)).toBe(unpacked)
    expect(outsideArchive(packed, () => false)).toBe(packed)
    expect(outsideArchive('/home/me/jobdeck/examples/jobdeck.yaml', () => true)).toBe('/home/me/jobdeck/examples/jobdeck.yaml')
  })
})
