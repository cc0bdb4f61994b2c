#!/usr/bin/env node
// The `jobdeck` command, run in this very process. Operators call it from scripts and cron, so it
// starts from the bundle `npm install` builds (scripts/cli-bundle.mjs: one file, nothing compiled
// per call). When the sources changed since, the bundle is rebuilt first (esbuild, a fraction of a
// second, once); when that cannot be done (a read-only checkout, esbuild missing, a syntax error),
// tsx compiles the TypeScript sources on the fly as before: slower to start, the same command.
import { fileURLToPath, pathToFileURL } from 'node:url'
import { buildCliBundle, freshBundleUrl } from '../scripts/cli-bundle.mjs'

const rootDir = fileURLToPath(new URL('..', import.meta.url))

/** @returns {Promise<string | null>} */
async function bundleUrl() {
  const fresh = freshBundleUrl(rootDir)
  if (fresh !== null) return fresh
  try {
    return pathToFileURL((await buildCliBundle(rootDir)).bundle).href
  } catch {
    return null
  }
}

const url = await bundleUrl()
/** @type {{ main: (argv: string[]) => Promise<number> }} */
let cli
if (url !== null) {
  cli = await import(url)
} else {
  const { register } = await import('tsx/esm/api')
  register()
  cli = await import('../src-main/cli/main.ts')
}
process.exitCode = await cli.main(process.argv.slice(2))
