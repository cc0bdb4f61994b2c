// The Node this checkout declares (package.json engines.node, .ci/run) against what the installed
// packages declare, and the dependency-free range reader against semver.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { checkNode, satisfiesNodeRange } from './node-version.mjs'

const require = createRequire(import.meta.url)
const semver = require('semver') as { satisfies: (version: string, range: string) => boolean }
const root = fileURLToPath(new URL('..', import.meta.url))
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { engines: { node: string } }
const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> }

/** Every installed package's engines.node, read from its own package.json. */
function installedEngines(): Array<{ name: string; range: string }> {
  const out: Array<{ name: string; range: string }> = []
  for (const key of Object.keys(lock.packages)) {
    if (!key) continue
    const file = path.join(root, key, 'package.json')
    if (!fs.existsSync(file)) continue // an optional package of another platform
    const engines = (JSON.parse(fs.readFileSync(file, 'utf8')) as { engines?: { node?: unknown } }).engines
    if (typeof engines?.node === 'string') out.push({ name: key.replace(/^node_modules\//, ''), range: engines.node })
  }
  return out
}

/** Release versions around every line a range could draw. */
const VERSIONS = [16, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28].flatMap((major) =>
  [0, 1, 9, 11, 12, 13, 17, 18, 19, 20, 21].flatMap((minor) => [0, 3].map((patch) => `${major}.${minor}.${patch}`)),
)

/** Packages only the desktop app needs (Electron and its download and rebuild tools). */
const DESKTOP_ONLY = ['electron', '@electron/get', '@electron-internal/extract-zip', '@electron/rebuild', '@electron/rebuild/node_modules/node-abi']

describe('satisfiesNodeRange', () => {
  it('agrees with semver on every engines.node range of the installed packages', () => {
    const ranges = [...new Set(installedEngines().map((e) => e.range)), pkg.engines.node]
    expect(ranges.length).toBeGreaterThan(20)
    for (const range of ranges) {
      for (const version of VERSIONS) expect(satisfiesNodeRange(version, range), `${version} in "${range}"`).toBe(semver.satisfies(version, range))
    }
  })

  it('reads the forms packages write, and says when it cannot', () => {
    expect(satisfiesNodeRange('v22.12.0', '>= 22.12.0')).toBe(true)
    expect(satisfiesNodeRange('22.11.9', '>= 22.12.0')).toBe(false)
    expect(satisfiesNodeRange('20.20.2', '~20.19')).toBe(false)
    expect(satisfiesNodeRange('2.1.5', '>1 <=2.1')).toBe(true)
    expect(satisfiesNodeRange('1.5.0', '>1')).toBe(false)
    expect(satisfiesNodeRange('20.0.0', '18 - 22')).toBeNull()
    expect(satisfiesNodeRange('20.0.0', '>=20.0.0-rc.1')).toBeNull()
  })
})

describe('the Node this checkout declares', () => {
  it('is inside what every package the command, the build and the tests use declares', () => {
    const tooNarrow: string[] = []
    for (const { name, range } of installedEngines()) {
      if (DESKTOP_ONLY.includes(name)) continue
      const outside = VERSIONS.filter((v) => semver.satisfies(v, pkg.engines.node) && !semver.satisfies(v, range))
      if (outside.length > 0) tooNarrow.push(`${name} needs Node ${range}, not ${outside.join(', ')}`)
    }
    expect(tooNarrow).toEqual([])
  })

  it('keeps the Node CI runs (20.20) and the desktop app’s own floor', () => {
    expect(semver.satisfies('20.20.2', pkg.engines.node)).toBe(true)
    const electron = installedEngines().find((e) => e.name === 'electron')!
    // The desktop app: the versions both ranges allow satisfy every desktop-only package.
    const app = VERSIONS.filter((v) => semver.satisfies(v, pkg.engines.node) && semver.satisfies(v, electron.range))
    expect(app.length).toBeGreaterThan(0)
    for (const { name, range } of installedEngines().filter((e) => DESKTOP_ONLY.includes(e.name))) {
      expect(app.filter((v) => !semver.satisfies(v, range)), name).toEqual([])
    }
    expect(satisfiesNodeRange('20.20.2', electron.range)).toBe(false)
  })

  it('is what .ci/run checks before npm ci, with a message naming the range', () => {
    const ci = fs.readFileSync(path.join(root, '.ci', 'run'), 'utf8')
    expect(ci).toContain('node scripts/node-version.mjs')
    expect(checkNode(root, '20.20.2')).toEqual({ range: pkg.engines.node, ok: true })
    expect(checkNode(root, '18.20.0').ok).toBe(false)

    const fakeRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-node-version-'))
    try {
      fs.mkdirSync(path.join(fakeRoot, 'scripts'))
      fs.copyFileSync(path.join(root, 'scripts', 'node-version.mjs'), path.join(fakeRoot, 'scripts', 'node-version.mjs'))
      fs.writeFileSync(path.join(fakeRoot, 'package.json'), JSON.stringify({ engines: { node: '>=99' } }))
      const result = spawnSync(process.execPath, [path.join(fakeRoot, 'scripts', 'node-version.mjs')], { encoding: 'utf8' })
      expect(result.status).toBe(1)
      expect(result.stderr).toContain(`Jobdeck needs Node >=99 (package.json engines.node)`)
      expect(result.stderr).toContain(`this is Node ${process.versions.node}`)
    } finally {
      fs.rmSync(fakeRoot, { recursive: true, force: true })
    }
  })
})
