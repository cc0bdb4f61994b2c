// Conventions of the window that no type checks: read from the components' sources.
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const RENDERER = path.join(__dirname, '..', 'src-renderer')
const components = (readdirSync(RENDERER, { recursive: true }) as string[]).filter((f) => f.endsWith('.vue'))

describe('one id format', () => {
  it('issue 12: no component shortens an id its own way (they call shortId or use CopyId)', () => {
    expect(components.length).toBeGreaterThan(20)
    const own = components.filter((f) => /\b\w*[iI]d\.slice\(/.test(readFileSync(path.join(RENDERER, f), 'utf8')))
    expect(own).toEqual([])
  })
})
