// The afterPack hook of the installers (build/after-pack.cjs): which fuses, on which file, and the
// refusal of a package without the Electron-ABI SQLite addon. Once with a fake flipFuses, once with
// the real @electron/fuses on a stand-in binary carrying a fuse wire.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'

const require = createRequire(import.meta.url)

type Context = {
  appOutDir: string
  electronPlatformName: string
  arch: number
  packager: { appInfo: { productFilename: string }; executableName?: string }
}
type Fuses = {
  flipFuses: (file: string, config: Record<string | number, unknown>) => Promise<unknown>
  FuseVersion: { V1: string }
  FuseV1Options: Record<string, number>
}
const hook = require('../build/after-pack.cjs') as ((context: Context) => Promise<void>) & {
  createAfterPack: (deps: { fuses?: Fuses; electronAbi?: string; exists?: (file: string) => boolean; log?: (line: string) => void }) => (context: Context) => Promise<void>
  FUSES: Record<string, boolean>
}
const realFuses = require('@electron/fuses') as Fuses & { getCurrentFuseWire: (file: string) => Promise<Record<string, unknown>> }

const ARCH = { x64: 1, arm64: 3 }
const context = (platform: string, arch = ARCH.x64): Context => ({
  appOutDir: '/dist/out',
  electronPlatformName: platform,
  arch,
  packager: { appInfo: { productFilename: 'Jobdeck' }, executableName: 'jobdeck' },
})

function fakeFuses() {
  const flipFuses = vi.fn(async () => 1)
  return { flipFuses, FuseVersion: realFuses.FuseVersion, FuseV1Options: realFuses.FuseV1Options }
}

const seen: string[] = []
const exists = (file: string): boolean => {
  seen.push(file.replaceAll('\\', '/'))
  return true
}

afterEach(() => {
  seen.length = 0
})

describe('afterPack', () => {
  it('is the module electron-builder loads (a function, also as default)', () => {
    expect(typeof hook).toBe('function')
    expect((hook as unknown as { default: unknown }).default).toBe(hook)
  })

  it('flips RunAsNode and NODE_OPTIONS off, cookie encryption, asar integrity and asar-only on (Linux)', async () => {
    const fuses = fakeFuses()
    await hook.createAfterPack({ fuses, electronAbi: '150', exists, log: () => {} })(context('linux'))
    expect(seen).toEqual(['/dist/out/resources/app.asar.unpacked/native/electron-150/better_sqlite3.node'])
    expect(fuses.flipFuses).toHaveBeenCalledTimes(1)
    const [file, config] = fuses.flipFuses.mock.calls[0] as unknown as [string, Record<string | number, unknown>]
    expect(file.replaceAll('\\', '/')).toBe('/dist/out/jobdeck')
    const O = realFuses.FuseV1Options
    expect(config).toEqual({
      version: realFuses.FuseVersion.V1,
      resetAdHocDarwinSignature: false,
      [O['RunAsNode']!]: false,
      [O['EnableCookieEncryption']!]: true,
      [O['EnableNodeOptionsEnvironmentVariable']!]: false,
      [O['EnableNodeCliInspectArguments']!]: false,
      [O['EnableEmbeddedAsarIntegrityValidation']!]: true,
      [O['OnlyLoadAppFromAsar']!]: true,
    })
    // Pages load from file:// as ES modules: that fuse is left as Electron ships it.
    expect(config).not.toHaveProperty(String(O['GrantFileProtocolExtraPrivileges']))
  })

  it('finds the binary on Windows and macOS, and re-signs ad hoc on arm64 macOS only', async () => {
    const fuses = fakeFuses()
    const run = hook.createAfterPack({ fuses, electronAbi: '150', exists, log: () => {} })
    await run(context('win32'))
    await run(context('darwin', ARCH.x64))
    await run(context('darwin', ARCH.arm64))
    const calls = fuses.flipFuses.mock.calls as unknown as Array<[string, Record<string, unknown>]>
    expect(calls.map(([file]) => file.replaceAll('\\', '/'))).toEqual(['/dist/out/Jobdeck.exe', '/dist/out/Jobdeck.app', '/dist/out/Jobdeck.app'])
    expect(calls.map(([, config]) => config['resetAdHocDarwinSignature'])).toEqual([false, false, true])
    expect(seen[0]).toBe('/dist/out/resources/app.asar.unpacked/native/electron-150/better_sqlite3.node')
    expect(seen[1]).toBe('/dist/out/Jobdeck.app/Contents/Resources/app.asar.unpacked/native/electron-150/better_sqlite3.node')
  })

  it('refuses a package without the Electron build of better-sqlite3, before touching the binary', async () => {
    const fuses = fakeFuses()
    const run = hook.createAfterPack({ fuses, electronAbi: '150', exists: () => false, log: () => {} })
    await expect(run(context('linux'))).rejects.toThrow(/native\/electron-150\/better_sqlite3\.node is missing.*prepare-electron/)
    expect(fuses.flipFuses).not.toHaveBeenCalled()
  })

  it('flips the wire of a binary with the real @electron/fuses', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobdeck-fuses-'))
    try {
      // What the Electron binary carries: sentinel, wire version 1, wire length, one byte per fuse
      // ('0' off, '1' on) — here as Electron ships them, plus one fuse this library does not know.
      const shipped = '10011101' + '1'
      const sentinel = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'
      const binary = Buffer.concat([Buffer.from('\x7fELF…code…'), Buffer.from(sentinel), Buffer.from([1, shipped.length]), Buffer.from(shipped), Buffer.from('…more code')])
      const file = join(dir, 'jobdeck')
      writeFileSync(file, binary)
      await hook.createAfterPack({ electronAbi: '150', exists: () => true, log: () => {} })({ ...context('linux'), appOutDir: dir })
      const after = readFileSync(file)
      const at = after.indexOf(sentinel) + sentinel.length + 2
      // RunAsNode off, cookies on, NODE_OPTIONS off, inspect off, asar integrity on, asar only on;
      // V8 snapshot, file:// privileges and the unknown one unchanged.
      expect(after.subarray(at, at + shipped.length).toString()).toBe('010011011')
      expect(after.length).toBe(binary.length)
      const wire = await realFuses.getCurrentFuseWire(file)
      expect(wire[realFuses.FuseV1Options['RunAsNode']!]).toBe(48)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('names the fuses it sets', () => {
    expect(hook.FUSES).toEqual({
      RunAsNode: false,
      EnableCookieEncryption: true,
      EnableNodeOptionsEnvironmentVariable: false,
      EnableNodeCliInspectArguments: false,
      EnableEmbeddedAsarIntegrityValidation: true,
      OnlyLoadAppFromAsar: true,
    })
  })
})
