import { beforeEach, describe, expect, it, vi } from 'vitest'

const openExternal = vi.fn<(url: string) => Promise<void>>()
vi.mock('electron', () => ({ shell: { openExternal } }))

const { openExternalSafely, parseExternalUrl } = await import('./external-links')

describe('parseExternalUrl', () => {
  it.each(['http://example.com', 'https://example.com/a?b=c#d', 'HTTPS://EXAMPLE.COM/', 'https://127.0.0.1:8080/x'])(
    'accepts %s',
    (url) => {
      expect(parseExternalUrl(url)).toBeInstanceOf(URL)
    },
  )

  it.each([
    ['file', 'file:///etc/passwd'],
    ['javascript', 'javascript:alert(1)'],
    ['javascript, mixed case and spaces', ' JavaScript:alert(1)'],
    ['data', 'data:text/html,<script>alert(1)</script>'],
    ['custom scheme', 'jobdeck://run/1'],
    ['custom scheme (ms-settings)', 'ms-settings:privacy'],
    ['smb', 'smb://host/share'],
    ['mailto', 'mailto:a@example.com'],
    ['ftp', 'ftp://example.com/file'],
    ['malformed', 'http//example.com'],
    ['relative', '/runs/1'],
    ['no host', 'http://'],
    ['credentials', 'https://bank.example@evil.example/'],
    ['empty', ''],
    ['too long', `https://example.com/${'a'.repeat(9000)}`],
  ])('rejects %s', (_name, url) => {
    expect(parseExternalUrl(url)).toBeNull()
  })

  it.each([undefined, null, 42, {}, ['https://example.com']])('rejects non-string %j', (value) => {
    expect(parseExternalUrl(value)).toBeNull()
  })
})

describe('openExternalSafely', () => {
  beforeEach(() => {
    openExternal.mockReset()
    openExternal.mockResolvedValue(undefined)
  })

  it('opens http(s) links through shell.openExternal with the normalised URL', async () => {
    await expect(openExternalSafely('https://Example.com/path?q=1')).resolves.toBe(true)
    expect(openExternal).toHaveBeenCalledExactlyOnceWith('https://example.com/path?q=1')
  })

  it.each(['file:///etc/passwd', 'javascript:alert(1)', 'jobdeck://x', 'not a url'])('never hands %s to the OS', async (url) => {
    await expect(openExternalSafely(url)).resolves.toBe(false)
    expect(openExternal).not.toHaveBeenCalled()
  })

  it('reports false when the OS refuses', async () => {
    openExternal.mockRejectedValueOnce(new Error('no browser'))
    await expect(openExternalSafely('https://example.com')).resolves.toBe(false)
  })
})
