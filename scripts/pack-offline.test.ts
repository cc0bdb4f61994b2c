// The packaging pipeline, run for real up to where it would download Electron (a stand-in
// Electron instead, Linux `--dir`): what the package holds, what is unpacked, the fuses flipped.
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { packOffline } from './pack-offline.mjs'

const require = createRequire(import.meta.url)
const asar = require('@electron/asar') as {
  listPackage: (file: string, options: { isPack: boolean }) => string[]
  extractFile: (archive: string, file: string) => Buffer
}
const fuses = require('@electron/fuses') as { getCurrentFuseWire: (file: string) => Promise<Record<string, unknown>>; FuseV1Options: Record<string, number> }

let result: ReturnType<typeof packOffline>

describe.runIf(process.platform === 'linux')('electron-builder --dir with a stand-in Electron', () => {
  beforeAll(() => {
    result = packOffline()
  }, 200_000)
  afterAll(() => rmSync(result.workDir, { recursive: true, force: true }))

  const appOutDir = (): string => {
    if (!result.ok) throw new Error(`packaging failed: ${result.skipped ?? result.log}`)
    return result.appOutDir
  }
  const entries = (): string[] => asar.listPackage(join(appOutDir(), 'resources', 'app.asar'), { isPack: false }).map((f) => f.replaceAll('\\', '/').replace(/^\//, ''))
  const packages = (): Set<string> => new Set(entries().flatMap((f) => /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f)?.[1] ?? []))

  it('packs the app and runs the afterPack hook', () => {
    expect(result.ok ? '' : result.log).toBe('')
    expect(result.log).toMatch(/flipping Electron fuses in .*linux-unpacked\/jobdeck/)
    expect(existsSync(join(appOutDir(), 'jobdeck'))).toBe(true)
  })

  it('leaves renderer-only and CLI-only packages out of node_modules, and keeps what the app loads', () => {
    const shipped = packages()
    for (const name of ['vue', 'vue-router', 'pinia', 'naive-ui', 'echarts', 'zrender', 'vue-echarts', '@tanstack/vue-virtual', 'tsx', 'esbuild', 'electron', 'vitest', 'electron-builder']) {
      expect(shipped.has(name), name).toBe(false)
    }
    for (const name of ['better-sqlite3', 'bindings', 'pg', 'pg-pool', 'ulid', 'yaml', 'zod', 'croner', 'cronstrue', 'electron-log']) expect(shipped.has(name), name).toBe(true)
    const files = entries()
    expect(files).toContain('out/main/index.js')
    expect(files).toContain('out/renderer/index.html')
    expect(files).toContain('examples/jobdeck.yaml')
    expect(files.some((f) => f.endsWith('.map'))).toBe(false)
    expect(files.some((f) => f.startsWith('src-') || f.startsWith('e2e/') || f.startsWith('node_modules/better-sqlite3/build/'))).toBe(false)
    const pkg = JSON.parse(asar.extractFile(join(appOutDir(), 'resources', 'app.asar'), 'package.json').toString()) as { main: string; scripts?: unknown; devDependencies?: unknown }
    expect(pkg.main).toBe('out/main/index.js')
    expect(pkg.scripts).toBeUndefined()
  })

  it('unpacks the native addon and the tray images beside app.asar', () => {
    const unpacked = join(appOutDir(), 'resources', 'app.asar.unpacked')
    expect(existsSync(join(unpacked, 'native', `electron-${readFileSync(join(require.resolve('electron/package.json'), '..', 'abi_version'), 'utf8').trim()}`, 'better_sqlite3.node'))).toBe(true)
    for (const state of ['idle', 'running', 'attention', 'offline']) {
      expect(existsSync(join(unpacked, 'resources', `tray-${state}.png`)), state).toBe(true)
      expect(existsSync(join(unpacked, 'resources', `tray-${state}-32@2x.png`)), state).toBe(true)
    }
  })

  it('flips the fuses of the packaged binary', async () => {
    const wire = await fuses.getCurrentFuseWire(join(appOutDir(), 'jobdeck'))
    const O = fuses.FuseV1Options
    const ON = 49
    const OFF = 48
    expect(wire[O['RunAsNode']!]).toBe(OFF)
    expect(wire[O['EnableCookieEncryption']!]).toBe(ON)
    expect(wire[O['EnableNodeOptionsEnvironmentVariable']!]).toBe(OFF)
    expect(wire[O['EnableNodeCliInspectArguments']!]).toBe(OFF)
    expect(wire[O['EnableEmbeddedAsarIntegrityValidation']!]).toBe(ON)
    expect(wire[O['OnlyLoadAppFromAsar']!]).toBe(ON)
  })
})
