// Which jobdeck.yaml to load: --config flag, then JOBDECK_CONFIG, then the data dir, then the example.
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export type ConfigPathSource = 'flag' | 'env' | 'data-dir' | 'example'

export interface ConfigPathInput {
  flag?: string
  env?: string
  dataDir: string
  examplePath: string
}

export const CONFIG_FILE_NAME = 'jobdeck.yaml'

/** Flag and env paths are returned even when missing, so loading reports the path the operator gave. */
export function findConfigPath(input: ConfigPathInput): { path: string; source: ConfigPathSource } {
  if (input.flag !== undefined && input.flag.trim() !== '') return { path: path.resolve(input.flag), source: 'flag' }
  if (input.env !== undefined && input.env.trim() !== '') return { path: path.resolve(input.env), source: 'env' }
  const inDataDir = path.resolve(input.dataDir, CONFIG_FILE_NAME)
  if (existsSync(inDataDir)) return { path: inDataDir, source: 'data-dir' }
  return { path: path.resolve(input.examplePath), source: 'example' }
}

const EXAMPLE_RELATIVE = path.join('examples', CONFIG_FILE_NAME)

/**
 * In the packaged app the example lives in app.asar, where its job scripts cannot be run as
 * files; the installer unpacks it beside the archive (app.asar.unpacked), which is used instead.
 */
export function outsideArchive(file: string, exists: (candidate: string) => boolean): string {
  const marker = `${path.sep}app.asar${path.sep}`
  const at = file.indexOf(marker)
  if (at < 0) return file
  const unpacked = `${file.slice(0, at)}${path.sep}app.asar.unpacked${path.sep}${file.slice(at + marker.length)}`
  return exists(unpacked) ? unpacked : file
}

/**
 * `examples/jobdeck.yaml` of this checkout. Searched upwards from this module because a bundle
 * (out/main/…) sits at another depth than the source (src-main/core/config/…).
 */
export function exampleConfigPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url))
  let dir = here
  for (;;) {
    const candidate = path.join(dir, EXAMPLE_RELATIVE)
    if (existsSync(candidate)) return outsideArchive(candidate, existsSync)
    const parent = path.dirname(dir)
    if (parent === dir) break
    dir = parent
  }
  return path.resolve(here, '..', '..', '..', EXAMPLE_RELATIVE)
}
