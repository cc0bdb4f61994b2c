// The Content-Security-Policy of the page the app and the server actually load: out/renderer.
import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { ensureRendererBuilt, ROOT } from './harness'

function parseCsp(html: string): Map<string, string[]> {
  const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/i.exec(html)
  if (!meta?.[1]) throw new Error('no Content-Security-Policy meta tag in the built index.html')
  return new Map(
    meta[1]
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name as string, values]),
  )
}

describe('the built index.html', () => {
  let html = ''
  beforeAll(() => {
    ensureRendererBuilt()
    html = fs.readFileSync(path.join(ROOT, 'out', 'renderer', 'index.html'), 'utf8')
  }, 180_000)

  it('has a strict CSP: own scripts only, no eval or inline script, no plugins, no framing', () => {
    const csp = parseCsp(html)
    expect(csp.get('default-src')).toEqual(["'self'"])
    expect(csp.get('script-src')).toEqual(["'self'"])
    expect(csp.get('object-src')).toEqual(["'none'"])
    expect(csp.get('base-uri')).toEqual(["'none'"])
    expect(csp.get('frame-ancestors')).toEqual(["'none'"])
    for (const source of csp.get('connect-src') ?? []) {
      expect(source).toMatch(/^('self'|ws:\/\/(127\.0\.0\.1|localhost):\*)$/)
    }
    for (const values of csp.values()) {
      expect(values).not.toContain("'unsafe-eval'")
      expect(values.filter((v) => v.startsWith('http'))).toEqual([])
    }
  })

  it('loads no inline script the CSP would have to allow', () => {
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)]
    expect(scripts.length).toBeGreaterThan(0)
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc="/)
      expect((body ?? '').trim()).toBe('')
    }
  })
})
