// The installers' configuration (electron-builder.config.cjs), read as electron-builder reads it.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { APP_ID, PRODUCT_NAME } from '../src-main/electron/app-identity'

const require = createRequire(import.meta.url)
const root = fileURLToPath(new URL('..', import.meta.url))

interface TargetList {
  target: string[]
}
interface BuilderConfig {
  appId: string
  productName: string
  directories: { output: string; buildResources: string }
  files: string[]
  asar: boolean
  asarUnpack: string[]
  npmRebuild: boolean
  afterPack: string
  linux: TargetList & { icon: string; maintainer: string }
  win: TargetList & { icon: string }
  mac: TargetList & { icon: string }
  electronFuses?: unknown
}

const config = require('../electron-builder.config.cjs') as BuilderConfig
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  main: string
  homepage?: string
  author?: { name: string; email: string }
  dependencies: Record<string, string>
  devDependencies: Record<string, string>
  scripts: Record<string, string>
}
// The minimatch electron-builder itself matches `files` and `asarUnpack` with.
const { minimatch } = createRequire(require.resolve('app-builder-lib'))('minimatch') as { minimatch: (path: string, pattern: string, options?: object) => boolean }

/** Included by `files` as electron-builder reads it: a positive pattern matches and no later `!` pattern excludes. */
function packaged(path: string): boolean {
  let included = path.startsWith('node_modules/') // production dependencies are added unless excluded
  for (const pattern of config.files) {
    if (pattern.startsWith('!')) {
      if (minimatch(path, pattern.slice(1), { dot: true })) included = false
    } else if (minimatch(path, pattern, { dot: true })) {
      included = true
    }
  }
  return included
}

const unpacked = (path: string): boolean => config.asarUnpack.some((pattern) => minimatch(path, pattern, { dot: true, matchBase: !pattern.includes('/') }))

/** Bare package names imported by the .ts/.vue files under `dir`, test support aside (the app never loads it: a lint rule keeps it out). */
function importedPackages(dir: string): Set<string> {
  const names = new Set<string>()
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = join(folder, entry.name)
      if (entry.isDirectory()) {
        if (entry.name !== 'test-support') walk(full)
      }
      else if (/\.(ts|vue|mts)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name)) {
        const text = readFileSync(full, 'utf8')
        for (const match of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"]((?:@[\w.-]+\/)?[\w][\w.-]*(?:\/[\w./-]+)?)['"]/g)) {
          const spec = match[1]!
          if (spec.startsWith('node:')) continue
          const parts = spec.split('/')
          names.add(spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!)
        }
      }
    }
  }
  walk(join(root, dir))
  return names
}

describe('electron-builder config', () => {
  it('uses the AppUserModelID of the running app as appId, and the product name', () => {
    expect(config.appId).toBe(APP_ID)
    expect(config.productName).toBe(PRODUCT_NAME)
  })

  it('builds AppImage and deb, NSIS, and dmg, each with its icon', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb'])
    expect(config.win.target).toEqual(['nsis'])
    expect(config.mac.target).toEqual(['dmg'])
    for (const icon of [config.win.icon, config.mac.icon, join(config.linux.icon, '512x512.png')]) expect(existsSync(join(root, icon)), icon).toBe(true)
    expect(config.directories.buildResources).toBe('build')
  })

  it('has the metadata the deb needs: homepage and a maintainer with an email', () => {
    expect(pkg.homepage).toMatch(/^https:\/\//)
    expect(config.linux.maintainer).toMatch(/^.+ <[^@\s]+@[^@\s]+>$/)
    expect(pkg.author?.email).toMatch(/@/)
  })

  it('unpacks native addons and the tray images from app.asar', () => {
    expect(config.asar).toBe(true)
    for (const file of [
      'native/electron-150/better_sqlite3.node',
      'node_modules/pg-native-like/build/Release/addon.node',
      'node_modules/some-addon/prebuilds/linux-x64/addon.node',
      'resources/tray-idle-32.png',
    ]) {
      expect(packaged(file), `${file} packaged`).toBe(true)
      expect(unpacked(file), `${file} unpacked`).toBe(true)
    }
    expect(unpacked('out/main/index.js')).toBe(false)
    // better-sqlite3's own build is Node's ABI: left out (the app loads native/ instead).
    expect(packaged('node_modules/better-sqlite3/build/Release/better_sqlite3.node')).toBe(false)
    // No rebuild at packaging time: the Electron-ABI addon comes from native/.
    expect(config.npmRebuild).toBe(false)
  })

  it('keeps renderer-only packages out of the packaged node_modules', () => {
    const renderer = importedPackages('src-renderer')
    const elsewhere = new Set([...importedPackages('src-main'), ...importedPackages('src-preload'), ...importedPackages('src-shared')])
    const rendererOnly = [...renderer].filter((name) => !elsewhere.has(name))
    expect(rendererOnly).toEqual(expect.arrayContaining(['vue', 'pinia', 'naive-ui']))
    for (const name of [...rendererOnly, 'echarts', 'zrender']) {
      // electron-builder adds `dependencies` only; these are bundled by Vite into out/renderer.
      expect(pkg.dependencies, `${name} must be a devDependency`).not.toHaveProperty(name)
      // …and the patterns exclude them even if one is moved to dependencies by mistake.
      expect(packaged(`node_modules/${name}/package.json`), `node_modules/${name}`).toBe(false)
      expect(packaged(`node_modules/${name}/dist/index.js`), `node_modules/${name}`).toBe(false)
    }
    expect(packaged('out/renderer/index.html')).toBe(true)
    expect(packaged('out/renderer/assets/index-abc.js.map')).toBe(false)
  })

  it('keeps every package the app imports at run time, and nothing of the sources or tests', () => {
    const runtime = [...new Set([...importedPackages('src-main/electron'), ...importedPackages('src-main/core')])].filter(
      (name) => name !== 'electron' && name !== 'vitest' && !name.startsWith('@types/'),
    )
    for (const name of runtime) {
      expect(pkg.dependencies, `${name} is imported by the app: it must be a dependency`).toHaveProperty(name)
      expect(packaged(`node_modules/${name}/package.json`), `node_modules/${name}`).toBe(true)
    }
    expect(packaged('node_modules/better-sqlite3/lib/index.js')).toBe(true)
    expect(packaged('node_modules/better-sqlite3/deps/sqlite3/sqlite3.c')).toBe(false)
    for (const file of ['out/main/index.js', 'out/main/engine.js', 'out/preload/index.cjs', 'package.json', 'examples/jobdeck.yaml']) expect(packaged(file), file).toBe(true)
    // The jobdeck command and its bundle (scripts/cli-bundle.mjs) are the checkout's, not the app's.
    const cli = ['bin/jobdeck.mjs', '.cache/cli/jobdeck.mjs', '.cache/cli/jobdeck.inputs.json', 'node_modules/esbuild/lib/main.js']
    for (const file of ['src-main/electron/main.ts', 'e2e/run.ts', 'bench/x.ts', 'docs/screenshots/queue-light.png', 'node_modules/tsx/dist/cli.mjs', 'README.md', ...cli]) {
      expect(packaged(file), file).toBe(false)
    }
    expect(pkg.main).toBe('out/main/index.js')
  })

  it('flips the fuses in its afterPack hook, not twice through electronFuses', () => {
    expect(config.afterPack).toBe('./build/after-pack.cjs')
    expect(existsSync(join(root, config.afterPack))).toBe(true)
    expect(config.electronFuses).toBeUndefined()
    expect(pkg.scripts['dist']).toMatch(/prepare-electron\.mjs && electron-vite build && electron-builder --config electron-builder\.config\.cjs/)
  })

  it("passes electron-builder's own schema validation, which does reject a misspelt option", async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
      validateConfiguration: (config: unknown, logger: unknown) => Promise<void>
    }
    const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown }
    await expect(validateConfiguration(structuredClone(config), new DebugLogger(false))).resolves.toBeUndefined()
    await expect(validateConfiguration({ ...structuredClone(config), asarUnpak: ['x'] }, new DebugLogger(false))).rejects.toThrow(/asarUnpak/)
    await expect(validateConfiguration({ ...structuredClone(config), nsis: { oneClik: false } }, new DebugLogger(false))).rejects.toThrow(/configuration\.nsis/)
    expect(relative(root, join(root, config.directories.output))).toBe('dist')
  })
})
