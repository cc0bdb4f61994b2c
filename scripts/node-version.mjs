#!/usr/bin/env node
// Which Node this checkout runs on, said in one place each: package.json's `engines.node` for the
// `jobdeck` command, `npm run build` and the tests; Electron's own `engines.node` for the desktop
// app (scripts/prepare-electron.mjs). It runs before `npm ci` (from .ci/run), so it has no
// dependency: a reader of the range forms npm packages write (`^20.19.0 || ^22.13.0 || >=24 <27`,
// `>= 22.12.0`, `20.x`), which its test checks against semver on every range in node_modules.
//
// Usage: node scripts/node-version.mjs   (exit 1 with a message when this Node is outside engines.node)
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** @typedef {[number, number, number]} Version */

/** @param {Version} a @param {Version} b */
function compare(a, b) {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i]
  return 0
}

/**
 * One comparator (`^20.19.0`, `>=24`, `20.x`, `*`) as the versions it allows, or null when its
 * form is not one this reader knows.
 * @param {string} text
 * @returns {((v: Version) => boolean) | null}
 */
function comparator(text) {
  const match = /^(\^|~|>=|<=|>|<|=)?v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?$/.exec(text)
  if (!match) return null
  const op = match[1] ?? ''
  /** The given parts, up to the first wildcard. */
  const parts = []
  for (const part of match.slice(2, 5)) {
    if (part === undefined || !/^\d+$/.test(part)) break
    parts.push(Number(part))
  }
  const [x = 0, y = 0, z = 0] = parts
  /** @type {Version} */
  const low = [x, y, z]
  /** The first version past a partial one (`20` → 21.0.0, `20.19` → 20.20.0). */
  const pastPartial = () => /** @type {Version} */ (parts.length === 1 ? [x + 1, 0, 0] : [x, y + 1, 0])
  if (parts.length === 0) return op === '<' || op === '>' ? () => false : () => true
  switch (op) {
    case '^': {
      /** @type {Version} */
      const high = x > 0 || parts.length === 1 ? [x + 1, 0, 0] : y > 0 || parts.length === 2 ? [0, y + 1, 0] : [0, 0, z + 1]
      return (v) => compare(v, low) >= 0 && compare(v, high) < 0
    }
    case '~': {
      /** @type {Version} */
      const high = parts.length === 1 ? [x + 1, 0, 0] : [x, y + 1, 0]
      return (v) => compare(v, low) >= 0 && compare(v, high) < 0
    }
    case '>=':
      return (v) => compare(v, low) >= 0
    case '<':
      return (v) => compare(v, low) < 0
    case '>':
      return parts.length === 3 ? (v) => compare(v, low) > 0 : (v) => compare(v, pastPartial()) >= 0
    case '<=':
      return parts.length === 3 ? (v) => compare(v, low) <= 0 : (v) => compare(v, pastPartial()) < 0
    default:
      return parts.length === 3 ? (v) => compare(v, low) === 0 : (v) => compare(v, low) >= 0 && compare(v, pastPartial()) < 0
  }
}

/**
 * Whether a Node version (`20.20.2`, `v22.12.0`) is inside an `engines.node` range; null when the
 * range uses a form this reader does not know (hyphen ranges, prereleases).
 * @param {string} version
 * @param {string} range
 * @returns {boolean | null}
 */
export function satisfiesNodeRange(version, range) {
  const v = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version.trim())
  if (!v) return null
  /** @type {Version} */
  const parsed = [Number(v[1]), Number(v[2]), Number(v[3])]
  let any = false
  for (const set of range.split('||')) {
    // `>= 22.12.0` is one comparator: glue an operator to the version after it.
    const tokens = set.trim().replace(/(\^|~|>=|<=|>|<|=)\s+/g, '$1').split(/\s+/).filter(Boolean)
    if (tokens.includes('-')) return null
    const tests = tokens.length === 0 ? [() => true] : tokens.map(comparator)
    if (tests.some((t) => t === null)) return null
    if (tests.every((t) => /** @type {(v: Version) => boolean} */ (t)(parsed))) any = true
  }
  return any
}

/**
 * The Node this checkout needs (package.json `engines.node`), and whether `version` is inside it.
 * @param {string} rootDir
 * @param {string} [version]
 */
export function checkNode(rootDir, version = process.versions.node) {
  const pkg = JSON.parse(fs.readFileSync(path.join(rootDir, 'package.json'), 'utf8'))
  const range = String(pkg.engines?.node ?? '*')
  return { range, ok: satisfiesNodeRange(version, range) !== false }
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href
if (isMain) {
  const rootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
  const { range, ok } = checkNode(rootDir)
  if (!ok) {
    console.error(
      `Jobdeck needs Node ${range} (package.json engines.node) for the jobdeck command, the build and the tests; ` +
        `this is Node ${process.versions.node}. Install a Node in that range (README, Set up).`,
    )
    process.exitCode = 1
  }
}
