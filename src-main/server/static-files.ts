// Static files of the built renderer: only files inside the root (no `..`, no encoded escapes, no
// symlinks leading out), with their content type.
import fs from 'node:fs'
import path from 'node:path'

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
}

export function contentType(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream'
}

export type StaticLookup =
  | { ok: true; file: string; size: number; contentType: string }
  | { ok: false; status: 400 | 404; message: string }

function inside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate)
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))
}

/** Maps a URL path (still percent-encoded) to a file under `root`, or says why not. */
export function resolveStatic(root: string, urlPath: string): StaticLookup {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return { ok: false, status: 400, message: 'Bad request: malformed path' }
  }
  if (decoded.includes('\0')) return { ok: false, status: 400, message: 'Bad request: malformed path' }
  const realRoot = fs.realpathSync(root)
  const relative = decoded.replace(/^[/\\]+/, '')
  let file = path.resolve(realRoot, relative === '' ? 'index.html' : relative)
  const notFound = { ok: false, status: 404, message: 'Not found' } as const
  if (!inside(realRoot, file)) return notFound
  let stat: fs.Stats
  try {
    stat = fs.statSync(file)
    if (stat.isDirectory()) {
      file = path.join(file, 'index.html')
      stat = fs.statSync(file)
    }
    if (!stat.isFile()) return notFound
    // A symlink inside the root must not lead out of it.
    if (!inside(realRoot, fs.realpathSync(file))) return notFound
  } catch {
    return notFound
  }
  return { ok: true, file, size: stat.size, contentType: contentType(file) }
}
