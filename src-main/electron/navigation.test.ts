import { describe, expect, it } from 'vitest'
import { isNavigationAllowed } from './navigation'

describe('isNavigationAllowed', () => {
  const fileEntry = 'file:///opt/jobdeck/resources/app.asar/out/renderer/index.html'
  const devEntry = 'http://localhost:5173/'

  it('allows the entry document itself (reload), with or without a hash', () => {
    expect(isNavigationAllowed(fileEntry, fileEntry)).toBe(true)
    expect(isNavigationAllowed(`${fileEntry}#/history`, fileEntry)).toBe(true)
    expect(isNavigationAllowed(devEntry, devEntry)).toBe(true)
    expect(isNavigationAllowed('http://localhost:5173/#/queue', devEntry)).toBe(true)
  })

  it.each([
    ['another file', 'file:///etc/passwd'],
    ['another page of the app', 'file:///opt/jobdeck/resources/app.asar/out/renderer/other.html'],
    ['a web page', 'https://example.com/'],
    ['same host, other port', 'http://localhost:5174/'],
    ['same origin, other path', 'http://localhost:5173/evil'],
    ['same page, query added', 'http://localhost:5173/?x=1'],
    ['credentials', 'http://user:pw@localhost:5173/'],
    ['javascript', 'javascript:alert(1)'],
    ['data', 'data:text/html,hi'],
    ['about:blank', 'about:blank'],
    ['malformed', 'not a url'],
    ['empty', ''],
  ])('denies %s', (_name, target) => {
    const entry = target.startsWith('file:') ? fileEntry : devEntry
    expect(isNavigationAllowed(target, entry)).toBe(false)
  })

  it('denies everything when the entry URL itself is malformed', () => {
    expect(isNavigationAllowed(devEntry, '')).toBe(false)
  })
})
