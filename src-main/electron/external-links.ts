// The single checked way to open a link outside the app (DESIGN.md "Desktop": external links only
// http(s) through one checked helper). Everything else is refused.
import { shell } from 'electron'

const ALLOWED_PROTOCOLS: ReadonlySet<string> = new Set(['http:', 'https:'])
const MAX_URL_LENGTH = 8192

/** The URL to open, or null when `raw` is not a well-formed http(s) URL we are willing to hand to the OS. */
export function parseExternalUrl(raw: unknown): URL | null {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_URL_LENGTH) return null
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return null
  }
  if (!ALLOWED_PROTOCOLS.has(url.protocol)) return null
  if (url.hostname === '') return null
  // "https://bank.example@evil.example" style URLs are a phishing trick, never a legitimate link.
  if (url.username !== '' || url.password !== '') return null
  return url
}

/** Opens `raw` in the default browser when it passes parseExternalUrl; resolves to whether it did. */
export async function openExternalSafely(raw: unknown): Promise<boolean> {
  const url = parseExternalUrl(raw)
  if (url === null) return false
  try {
    await shell.openExternal(url.href)
    return true
  } catch {
    return false
  }
}
