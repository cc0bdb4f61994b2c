// Windows never navigate away from the app (DESIGN.md "Desktop"). The only navigation allowed is
// to the app's own entry document (e.g. a reload); in-page (#hash) changes do not count.

function parse(raw: string): URL | null {
  try {
    return new URL(raw)
  } catch {
    return null
  }
}

export function isNavigationAllowed(targetUrl: string, appEntryUrl: string): boolean {
  const target = parse(targetUrl)
  const entry = parse(appEntryUrl)
  if (target === null || entry === null) return false
  return (
    target.protocol === entry.protocol &&
    target.host === entry.host &&
    target.username === '' &&
    target.password === '' &&
    target.pathname === entry.pathname &&
    target.search === entry.search
  )
}
