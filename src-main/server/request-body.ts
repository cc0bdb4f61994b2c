// Reads a request body up to a limit: a declared length over it is refused before a byte is read,
// and a chunked body is dropped as soon as it passes it (never held whole in memory).
import type http from 'node:http'

export type BodyRead = { ok: true; text: string } | { ok: false; reason: 'too_large' | 'aborted' | 'bad_utf8' }

/** The declared Content-Length is over `limit`: refuse without reading. */
export function declaredTooLarge(req: http.IncomingMessage, limit: number): boolean {
  const declared = req.headers['content-length']
  return declared !== undefined && Number(declared) > limit
}

export function readBody(req: http.IncomingMessage, limit: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    const finish = (result: BodyRead): void => {
      if (done) return
      done = true
      req.off('data', onData)
      resolve(result)
    }
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > limit) {
        chunks.length = 0
        // Stop taking it in; the caller answers 413 and closes the connection.
        req.pause()
        finish({ ok: false, reason: 'too_large' })
        return
      }
      chunks.push(chunk)
    }
    req.on('data', onData)
    req.once('end', () => {
      const buffer = Buffer.concat(chunks)
      try {
        finish({ ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(buffer) })
      } catch {
        finish({ ok: false, reason: 'bad_utf8' })
      }
    })
    req.once('aborted', () => finish({ ok: false, reason: 'aborted' }))
    req.once('error', () => finish({ ok: false, reason: 'aborted' }))
  })
}
