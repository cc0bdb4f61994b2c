#!/usr/bin/env node
// Runs the real packaging pipeline (electron-builder with electron-builder.config.cjs and the
// afterPack hook) as far as it goes without a network: Linux, `--dir` (no installer), with a
// stand-in Electron distribution (`electronDist`) instead of the download, in a scratch copy of the
// project, so the file list, asar, unpacking and fuses of the package can be checked here.
//
// Stand-ins, never shipped: the "Electron" is a shell script carrying a fuse wire; native/ holds a
// placeholder instead of the Electron-ABI better-sqlite3; out/ holds empty bundles. node_modules is
// the real one, hard-linked (`cp -al`, Linux).
//
// Usage: node scripts/pack-offline.mjs   (prints the unpacked app's folder; scripts/pack-offline.test.ts checks it)
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(path.join(root, 'package.json'))

/** The fuse sentinel of Electron binaries (@electron/fuses). */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'

/**
 * A stand-in for Electron's Linux distribution: enough files for electron-builder to lay out the
 * app, and an "executable" with a fuse wire as Electron 45 ships it for the afterPack hook to flip.
 * @param {string} dir
 */
export function writeStubElectronDist(dir, wire = '101001001') {
  fs.mkdirSync(path.join(dir, 'locales'), { recursive: true })
  fs.mkdirSync(path.join(dir, 'resources'), { recursive: true })
  const binary = Buffer.concat([
    Buffer.from('#!/bin/sh\necho "stub Electron for packaging tests: not a real Electron binary" >&2\nexit 1\n# '),
    Buffer.from(FUSE_SENTINEL),
    Buffer.from([1, wire.length]),
    Buffer.from(wire),
    Buffer.from('\n'),
  ])
  fs.writeFileSync(path.join(dir, 'electron'), binary, { mode: 0o755 })
  fs.writeFileSync(path.join(dir, 'chrome-sandbox'), 'stub', { mode: 0o755 })
  fs.writeFileSync(path.join(dir, 'version'), readElectronVersion())
  fs.writeFileSync(path.join(dir, 'LICENSE'), 'stub')
  fs.writeFileSync(path.join(dir, 'LICENSES.chromium.html'), 'stub')
  fs.writeFileSync(path.join(dir, 'locales', 'en-US.pak'), 'stub')
}

function readElectronVersion() {
  return JSON.parse(fs.readFileSync(require.resolve('electron/package.json'), 'utf8')).version
}

function electronAbi() {
  return fs.readFileSync(path.join(path.dirname(require.resolve('electron/package.json')), 'abi_version'), 'utf8').trim()
}

/**
 * @param {{ workDir?: string }} [options]
 * @returns {{ ok: true, workDir: string, appOutDir: string, log: string } | { ok: false, workDir: string, log: string, skipped?: string }}
 */
export function packOffline(options = {}) {
  const workDir = options.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-pack-'))
  const project = path.join(workDir, 'project')
  const stub = path.join(workDir, 'electron-dist')
  fs.mkdirSync(project, { recursive: true })
  for (const entry of ['package.json', 'package-lock.json', 'electron-builder.config.cjs', 'build', 'resources', 'examples']) {
    fs.cpSync(path.join(root, entry), path.join(project, entry), { recursive: true })
  }
  for (const file of ['out/main/index.js', 'out/main/engine.js', 'out/preload/index.cjs', 'out/renderer/index.html', 'out/renderer/assets/index.js', 'out/renderer/assets/index.js.map']) {
    fs.mkdirSync(path.dirname(path.join(project, file)), { recursive: true })
    fs.writeFileSync(path.join(project, file), '// stand-in bundle\n')
  }
  const binding = path.join(project, 'native', `electron-${electronAbi()}`, 'better_sqlite3.node')
  fs.mkdirSync(path.dirname(binding), { recursive: true })
  fs.writeFileSync(binding, 'placeholder: not an addon')
  const link = spawnSync('cp', ['-al', path.join(root, 'node_modules'), path.join(project, 'node_modules')], { encoding: 'utf8' })
  if (link.status !== 0) return { ok: false, workDir, log: link.stderr, skipped: `cannot hard-link node_modules: ${link.stderr || link.error?.message}` }
  writeStubElectronDist(stub)

  const cli = require.resolve('electron-builder/cli.js')
  const run = spawnSync(
    process.execPath,
    [cli, '--config', 'electron-builder.config.cjs', '--linux', '--dir', '--x64', '--publish', 'never', `-c.electronDist=${stub}`],
    { cwd: project, encoding: 'utf8', env: { ...process.env, CI: '1' }, timeout: 180_000 },
  )
  const log = `${run.stdout ?? ''}${run.stderr ?? ''}`
  if (run.status !== 0) return { ok: false, workDir, log }
  return { ok: true, workDir, appOutDir: path.join(project, 'dist', 'linux-unpacked'), log }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = packOffline()
  process.stdout.write(result.log)
  if (!result.ok) {
    console.error(result.skipped ?? 'packaging failed')
    process.exit(1)
  }
  console.log(`\nunpacked app: ${result.appOutDir}`)
}
