import { describe, expect, it } from 'vitest'
import { engineArgv, engineLocation, flagValue } from './engine-options'

describe('engine options', () => {
  it('reads --x value and --x=value, the last one winning', () => {
    expect(flagValue(['--data-dir', '/a', '--data-dir=/b'], 'data-dir')).toBe('/b')
    expect(flagValue(['--config'], 'config')).toBeUndefined()
  })

  it('decides shared mode as the CLI does: --pg beats JOBDECK_PG_URL, else the config file decides', () => {
    const env = { JOBDECK_DATA_DIR: '/tmp/jd', JOBDECK_PG_URL: 'postgres://env@db/q' }
    expect(engineLocation(['--pg=postgres://flag@db/q'], env).postgres).toEqual({ url: 'postgres://flag@db/q', source: 'flag' })
    expect(engineLocation([], env).postgres).toEqual({ url: 'postgres://env@db/q', source: 'env' })
    expect(engineLocation([], { JOBDECK_DATA_DIR: '/tmp/jd' }).postgres).toBeUndefined()
  })

  it('passes a location back as argv the entry understands', () => {
    const argv = engineArgv({ dataDir: '/d', configPath: '/c.yaml' })
    expect(engineLocation(argv, {})).toMatchObject({ dataDir: '/d', configPath: '/c.yaml' })
  })
})
