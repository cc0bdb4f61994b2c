#!/usr/bin/env node
// The `jobdeck` command, built: src-main/cli/main.ts with its pure-JS packages (zod, yaml, re2js,
// ulid) bundled by esbuild into one ES module, so a call loads one file instead of tsx compiling
// the TypeScript sources on every start. `npm install` and `npm ci` build it (package.json
// `prepare`); it is never committed.
//
// Where: .cache/cli/jobdeck.mjs, gitignored. Not out/, which electron-vite empties and
// electron-builder packages; and two folders deep, as src-main/cli/ is, so the sources'
// `new URL('../../out/renderer', import.meta.url)` still lands in this checkout.
// Kept external: better-sqlite3 (a native addon), pg (its optional native driver) and ws (its
// optional native helpers): Node loads them from node_modules (see EXTERNAL for how).
//
// Fresh or not: a manifest beside the bundle records every input (sources, packages, this file)
// with its mtime and size. bin/jobdeck.mjs runs the bundle only while all of them are unchanged;
// otherwise it rebuilds it, or runs the sources through tsx when it cannot.
//
// Usage: node scripts/cli-bundle.mjs   (builds the bundle)
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** Relative to the checkout. */
export const BUNDLE_FILE = '.cache/cli/jobdeck.mjs'
const MANIFEST_FILE = '.cache/cli/jobdeck.inputs.json'
const ENTRY = 'src-main/cli/main.ts'
const FORMAT = 1

/**
 * The packages left to Node, and how each is loaded. With `require`, not `import`: Node imports a
 * CommonJS package into an ES module only after lexing its sources for named exports (~20 ms
 * for these two); through `require`, and esbuild's own interop for `import { WebSocket } from
 * 'ws'`, they load as they would in a CommonJS program. pg is loaded on first use: it costs ~25 ms
 * (it pulls in Node's fetch machinery), only shared mode and `sql` jobs need it, and every use in
 * the sources is inside a function (`new pg.Pool(…)`, `pg.types`; `import type pg` is erased), so
 * its default export can be a stand-in that forwards to it.
 */
const EXTERNAL = {
  'better-sqlite3': 'module.exports = require("better-sqlite3")',
  ws: 'module.exports = require("ws")',
  pg: `let pg
module.exports = new Proxy({}, { get: (_, key) => (pg ??= require("pg"))[key], has: (_, key) => key in (pg ??= require("pg")) })`,
}

/** @type {import('esbuild').Plugin} */
const externals = {
  name: 'jobdeck-external',
  setup(build) {
    const names = new RegExp(`^(${Object.keys(EXTERNAL).join('|')})$`)
    build.onResolve({ filter: names }, (args) =>
      // The stand-in's own `require` is the real package, left to Node (the banner's `require`).
      args.namespace === externals.name ? { path: args.path, external: true } : { path: args.path, namespace: externals.name },
    )
    build.onLoad({ filter: /.*/, namespace: externals.name }, (args) => ({
      contents: EXTERNAL[/** @type {keyof typeof EXTERNAL} */ (args.path)],
      loader: 'js',
    }))
  },
}

/** @typedef {{ format: number, bundle: [number, number], inputs: Record<string, [number, number]> }} Manifest */

/** @param {fs.Stats} stat @returns {[number, number]} */
const stamp = (stat) => [stat.mtimeMs, stat.size]

/** @param {string} file @param {string | Uint8Array} content */
function writeAtomically(file, content) {
  const partial = `${file}.${process.pid}.partial`
  fs.writeFileSync(partial, content)
  fs.renameSync(partial, file)
}

/**
 * The bundle's URL when it exists and nothing it was built from has changed since; else null.
 * Costs one small JSON read and a stat per input (a few ms).
 * @param {string} rootDir
 * @returns {string | null}
 */
export function freshBundleUrl(rootDir) {
  const bundle = path.join(rootDir, BUNDLE_FILE)
  /** @type {Manifest} */
  let manifest
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(rootDir, MANIFEST_FILE), 'utf8'))
  } catch {
    return null
  }
  if (manifest?.format !== FORMAT || typeof manifest.inputs !== 'object' || !Array.isArray(manifest.bundle)) return null
  const same = (/** @type {string} */ file, /** @type {unknown} */ recorded) => {
    const stat = fs.statSync(file, { throwIfNoEntry: false })
    return stat !== undefined && Array.isArray(recorded) && stat.mtimeMs === recorded[0] && stat.size === recorded[1]
  }
  if (!same(bundle, manifest.bundle)) return null
  for (const [input, recorded] of Object.entries(manifest.inputs)) {
    if (!same(path.resolve(rootDir, input), recorded)) return null
  }
  return pathToFileURL(bundle).href
}

/**
 * Builds the bundle and its manifest (each written whole, then renamed into place, so a command
 * starting meanwhile sees the old pair, the new pair, or a mismatch it treats as stale).
 * @param {string} rootDir
 * @returns {Promise<{ bundle: string, inputs: number, bytes: number }>}
 */
export async function buildCliBundle(rootDir) {
  const esbuild = await import('esbuild')
  const startedAt = Date.now()
  const result = await esbuild.build({
    absWorkingDir: rootDir,
    entryPoints: [ENTRY],
    outfile: BUNDLE_FILE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.19',
    // Bundled CommonJS code may `require` Node's own modules: give the module a real `require`.
    banner: { js: "import { createRequire as __jobdeckCreateRequire } from 'node:module'; const require = __jobdeckCreateRequire(import.meta.url);" },
    minifyWhitespace: true,
    minifySyntax: true,
    metafile: true,
    write: false,
    logLevel: 'silent',
    plugins: [externals],
  })
  const output = result.outputFiles?.[0]
  if (!output) throw new Error('esbuild wrote no bundle')

  const files = Object.keys(result.metafile?.inputs ?? {}).filter((input) => !input.startsWith(`${externals.name}:`))
  const inputs = [...files, path.relative(rootDir, fileURLToPath(import.meta.url))]
  /** @type {Record<string, [number, number]>} */
  const stamps = {}
  for (const input of inputs) {
    const stat = fs.statSync(path.resolve(rootDir, input))
    // Changed while being read (or so near it that a coarse clock cannot tell): the bundle may
    // hold the old text, so the next start rebuilds.
    stamps[input] = stat.mtimeMs >= startedAt - 1000 ? [-1, -1] : stamp(stat)
  }

  const bundle = path.join(rootDir, BUNDLE_FILE)
  fs.mkdirSync(path.dirname(bundle), { recursive: true })
  writeAtomically(bundle, output.contents)
  /** @type {Manifest} */
  const manifest = { format: FORMAT, bundle: stamp(fs.statSync(bundle)), inputs: stamps }
  writeAtomically(path.join(rootDir, MANIFEST_FILE), JSON.stringify(manifest))
  return { bundle, inputs: inputs.length, bytes: output.contents.byteLength }
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href
if (isMain) {
  const rootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
  try {
    const { bundle, inputs, bytes } = await buildCliBundle(rootDir)
    console.log(`[cli-bundle] built the jobdeck command: ${path.relative(rootDir, bundle)} (${(bytes / 1024).toFixed(0)} KiB from ${inputs} files)`)
  } catch (error) {
    // Never fails an install: bin/jobdeck.mjs runs the sources through tsx without the bundle.
    console.error(
      `[cli-bundle] could not build the jobdeck command (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); ` +
        'npx jobdeck still works, from the TypeScript sources (slower to start). Run `npm run build:cli` to try again.',
    )
  }
}
