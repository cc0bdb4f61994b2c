import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { configureSqliteBinding, SQLITE_BINDING_ENV } from './sqlite-binding'

describe('configureSqliteBinding', () => {
  const appPath = '/proj'
  const expected = join('/proj', 'native', 'electron-150', 'better_sqlite3.node')

  it('points the engine at native/electron-<abi>/better_sqlite3.node when it exists', () => {
    const env: NodeJS.ProcessEnv = {}
    const result = configureSqliteBinding({ env, appPath, abi: '150', exists: (f) => f === expected })
    expect(result).toBe(expected)
    expect(env[SQLITE_BINDING_ENV]).toBe(expected)
  })

  it('leaves the variable unset when the Electron build is missing', () => {
    const env: NodeJS.ProcessEnv = {}
    expect(configureSqliteBinding({ env, appPath, abi: '150', exists: () => false })).toBeUndefined()
    expect(env[SQLITE_BINDING_ENV]).toBeUndefined()
  })

  it('keeps an explicit JOBDECK_SQLITE_BINDING', () => {
    const env: NodeJS.ProcessEnv = { [SQLITE_BINDING_ENV]: '/custom/b.node' }
    expect(configureSqliteBinding({ env, appPath, abi: '150', exists: () => true })).toBe('/custom/b.node')
    expect(env[SQLITE_BINDING_ENV]).toBe('/custom/b.node')
  })

  it('looks beside the asar archive when packaged', () => {
    const env: NodeJS.ProcessEnv = {}
    const packaged = join('/opt/Jobdeck/resources', 'app.asar.unpacked', 'native', 'electron-150', 'better_sqlite3.node')
    const result = configureSqliteBinding({
      env,
      appPath: '/opt/Jobdeck/resources/app.asar',
      abi: '150',
      exists: (f) => f === packaged,
    })
    expect(result).toBe(packaged)
  })
})
