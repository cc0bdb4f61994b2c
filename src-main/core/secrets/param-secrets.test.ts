import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ENVELOPE_FIELD, isSealed, keyId, openValue, sealValue, type SealedValue } from './param-cipher'
import { PARAM_KEY_FILE, ParamSecrets, parseKey } from './param-secrets'

const KEY = Buffer.alloc(32, 9)
const dirs: string[] = []
const dataDir = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-keys-'))
  dirs.push(dir)
  return path.join(dir, 'data')
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

describe('the envelope of a secret param (AES-256-GCM, version 1)', () => {
  it('holds no trace of the value, keeps its type, and opens only as the same param of the same job', () => {
    const sealed = sealValue(KEY, 'job-1', 'token', 'hunter2')
    expect(Object.keys(sealed).sort()).toEqual(['ct', 'iv', ENVELOPE_FIELD, 'kid', 'tag'].sort())
    expect(sealed).toMatchObject({ [ENVELOPE_FIELD]: 1, kid: keyId(KEY) })
    expect(JSON.stringify(sealed)).not.toContain('hunter2')
    expect(isSealed(sealed)).toBe(true)
    expect(isSealed('hunter2')).toBe(false)
    // A fresh IV each time: the same value never seals to the same text.
    expect(sealValue(KEY, 'job-1', 'token', 'hunter2').ct).not.toBe(sealed.ct)
    expect(openValue(KEY, 'job-1', 'token', sealed)).toBe('hunter2')
    expect(openValue(KEY, 'job-1', 'pin', sealValue(KEY, 'job-1', 'pin', 4711))).toBe(4711)

    expect(() => openValue(KEY, 'job-2', 'token', sealed)).toThrow(/copied from another job or param/)
    expect(() => openValue(KEY, 'job-1', 'password', sealed)).toThrow(/copied from another job or param/)
    expect(() => openValue(Buffer.alloc(32, 1), 'job-1', 'token', sealed)).toThrow(/does not open/)
    const tampered: SealedValue = { ...sealed, ct: Buffer.from('x').toString('base64url') }
    expect(() => openValue(KEY, 'job-1', 'token', tampered)).toThrow(/does not open/)
    expect(() => openValue(KEY, 'job-1', 'token', { ...sealed, [ENVELOPE_FIELD]: 2 })).toThrow(/envelope version 2.*upgrade/)
  })
})

describe('the key of secret params', () => {
  it('reads JOBDECK_SECRET_KEY as base64 or hex of 32 bytes, and refuses anything else without repeating it', () => {
    expect(parseKey(KEY.toString('base64'))).toEqual(KEY)
    expect(parseKey(KEY.toString('base64url'))).toEqual(KEY)
    expect(parseKey(` ${KEY.toString('hex')}\n`)).toEqual(KEY)
    expect(parseKey(Buffer.alloc(16).toString('base64'))).toBeNull()
    expect(() => new ParamSecrets({ dataDir: dataDir(), shared: true, env: { JOBDECK_SECRET_KEY: 'hunter2-is-not-a-key' } })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    )
  })

  it('headless, is a params.key file made 0600 on first need, shared by every process on the data dir', () => {
    const dir = dataDir()
    const one = new ParamSecrets({ dataDir: dir, shared: false, env: {} })
    const two = new ParamSecrets({ dataDir: dir, shared: false, env: {} })
    expect(one.missingKey()).toBeNull()
    expect(fs.existsSync(path.join(dir, PARAM_KEY_FILE))).toBe(false)
    const sealed = one.seal('job-1', { token: 'hunter2', region: 'eu' }, ['token'])
    expect(sealed.region).toBe('eu')
    if (process.platform !== 'win32') expect(fs.statSync(path.join(dir, PARAM_KEY_FILE)).mode & 0o777).toBe(0o600)
    expect(two.open('job-1', two.seal('job-1', { token: 'x' }, ['token']))).toEqual({ token: 'x' })
    expect(two.open('job-1', sealed)).toEqual({ token: 'hunter2', region: 'eu' })
    // Nothing secret to seal: nothing changes.
    expect(one.seal('job-2', { region: 'eu' }, ['token'])).toEqual({ region: 'eu' })
  })

  it("in the app, seals with the keychain's key and still opens what the CLI sealed with params.key", () => {
    const dir = dataDir()
    const fromCli = new ParamSecrets({ dataDir: dir, shared: false, env: {} }).seal('job-1', { token: 'by-cli' }, ['token'])
    const app = new ParamSecrets({ dataDir: dir, shared: false, env: {}, appKey: KEY.toString('base64') })
    const fromApp = app.seal('job-2', { token: 'by-app' }, ['token'])
    expect((fromApp.token as SealedValue).kid).toBe(keyId(KEY))
    expect(app.open('job-1', fromCli)).toEqual({ token: 'by-cli' })
    // The CLI cannot read the keychain: it says so, and how to share one key.
    const cli = new ParamSecrets({ dataDir: dir, shared: false, env: {} })
    expect(() => cli.open('job-2', fromApp)).toThrow(/sealed with key [0-9a-f]{8}, and this Jobdeck has [0-9a-f]{8} \(.*params\.key\); .*same JOBDECK_SECRET_KEY/)
  })

  it('in shared mode, is JOBDECK_SECRET_KEY alone: no key file is made or read', () => {
    const dir = dataDir()
    const none = new ParamSecrets({ dataDir: dir, shared: true, env: {}, appKey: KEY.toString('base64') })
    expect(none.missingKey()).toMatch(/needs the same key in JOBDECK_SECRET_KEY/)
    expect(() => none.seal('job-1', { token: 'x' }, ['token'])).toThrow(/JOBDECK_SECRET_KEY/)
    expect(fs.existsSync(path.join(dir, PARAM_KEY_FILE))).toBe(false)
    const withKey = new ParamSecrets({ dataDir: dir, shared: true, env: { JOBDECK_SECRET_KEY: KEY.toString('hex') } })
    expect(withKey.open('job-1', withKey.seal('job-1', { token: 'x' }, ['token']))).toEqual({ token: 'x' })
    expect(fs.existsSync(path.join(dir, PARAM_KEY_FILE))).toBe(false)
  })
})
