// What an error may repeat of its input when it leaves a boundary (API reply, run error, CLI
// stderr): long values cut with their length said, credentials masked. A 1 MB key must not make
// a 3 MB reply, and a URL's password or a bearer token must not reach a run's recorded error.
// Shared with the renderer, so no node imports. The patterns scan text of any size an attacker
// chooses: each has only bounded repetitions before its end, so the scan stays linear (1 MB of
// hostile text takes tens of milliseconds). They match inside words too (HTTP_AUTHORIZATION=,
// PGPASSWORD=): masking too much is the safe mistake.

/** How much of one echoed value an error keeps. */
export const ECHO_LIMIT = 200
/** How long one line of an error message may be once its values are cut. */
export const LINE_LIMIT = 1_000
/** How long a whole error message in an API reply may be. */
export const MESSAGE_LIMIT = 4_000
/** What a masked credential reads as. */
export const MASK = '••••'

/**
 * `text` cut to at most `limit` characters, the last ones saying what happened: `abc… (1048576
 * chars)`. Text already within the limit is kept, so cutting twice changes nothing.
 */
export function clip(text: string, limit = ECHO_LIMIT): string {
  if (text.length <= limit) return text
  const marker = `… (${text.length} chars)`
  let keep = Math.max(1, limit - marker.length)
  const last = text.charCodeAt(keep - 1)
  if (last >= 0xd800 && last <= 0xdbff) keep-- // never half a surrogate pair
  return `${text.slice(0, keep)}${marker}`
}

/**
 * A received value as an error quotes it: a string JSON-quoted (a newline in it cannot start a
 * line of the message), credentials masked, cut to `limit`; lists and mappings only described.
 */
export function echo(value: unknown, limit = ECHO_LIMIT): string {
  if (typeof value === 'string') return clip(redactSecrets(JSON.stringify(value)), limit)
  if (Array.isArray(value)) return `a list of ${value.length}`
  if (typeof value === 'object' && value !== null) return 'a mapping'
  return clip(String(value), limit)
}

// --- credentials ---------------------------------------------------------------------------------

/** `scheme://user:password@` → `scheme://user:••••@` (found from its `://`). */
const URL_USERINFO = /(:\/\/[^\s/?#@:"'<>]{0,256}):([^\s/?#@"'<>]{1,1024})@/g
/** `Authorization: Bearer abc`, `"Proxy-Authorization":"Basic abc"`, `authorization=abc`. */
const AUTHORIZATION = /((?:proxy-)?authorization)(["']?\s{0,4}[:=]\s{0,4}["']?)(?:(bearer|basic|digest|negotiate|ntlm|token)\s{1,4})?([^\s"',;]+)/gi
/** A bearer token wherever it appears (a header value echoed by an error). */
const BEARER = /(bearer)\s{1,4}([A-Za-z0-9._~+/=-]+)/gi
/**
 * `password=…`, `?access_token=…&`, `client_secret=…`, `"api_key": "…"`: a key naming a secret
 * (matched from the naming word on, so `PGPASSWORD=` too) and its value.
 */
const SECRET_PAIR =
  /((?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?|auth)[A-Za-z0-9_.-]{0,40}?)(=|["']\s{0,4}:\s{0,4}["'])([^\s&;,"']+)/gi

/** SQL's `PASSWORD 'secret'` (CREATE/ALTER ROLE), as a statement quoted in an error shows it. */
const SQL_PASSWORD = /(password\s{1,4})'((?:[^'\\]|''){1,1024})'/gi

const masked = (value: string): boolean => value.startsWith(MASK)

/** `text` with anything that looks like a credential replaced by ••••. */
export function redactSecrets(text: string): string {
  // Each pattern needs a `:`, an `=` or one of two words; most text has none and is left at once.
  if (!text.includes(':') && !text.includes('=') && !/bearer|password/i.test(text)) return text
  return text
    .replace(URL_USERINFO, (all: string, head: string, value: string) => (masked(value) ? all : `${head}:${MASK}@`))
    .replace(AUTHORIZATION, (all: string, name: string, sep: string, scheme: string | undefined, value: string) =>
      masked(value) ? all : `${name}${sep}${scheme === undefined ? '' : `${scheme} `}${MASK}`,
    )
    .replace(BEARER, (all: string, word: string, value: string) => (masked(value) ? all : `${word} ${MASK}`))
    .replace(SQL_PASSWORD, (all: string, head: string, value: string) => (masked(value) ? all : `${head}'${MASK}'`))
    .replace(SECRET_PAIR, (all: string, key: string, sep: string, value: string) =>
      masked(value) || /^authorization$/i.test(key) ? all : `${key}${sep}${MASK}`,
    )
}

/**
 * A URL as it may be shown or logged: its scheme and host only (`https://hooks.slack.com/…`). A
 * webhook's path or query often is its secret, so neither is ever kept.
 */
export function maskUrl(url: string): string {
  const origin = urlOrigin(url)
  return origin === MASK ? 'an unreadable URL' : `${origin}/…`
}

/**
 * `text` (what a receiver or a library said about `url`) without the URL's secret parts: the URL
 * itself becomes maskUrl(url), its path and query `/…`, and any long piece of them (a token a
 * receiver may repeat on its own) ••••.
 */
export function withoutUrl(text: string, url: string): string {
  if (url === '') return text
  let out = text.split(url).join(maskUrl(url))
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return out
  }
  for (const part of [`${parsed.pathname}${parsed.search}`, parsed.pathname]) if (part.length > 1) out = out.split(part).join('/…')
  const pieces = [...parsed.pathname.split('/'), ...[...parsed.searchParams.values()]].flatMap((piece) => [piece, safeDecode(piece)])
  for (const piece of new Set(pieces)) if (piece.length >= 8) out = out.split(piece).join(MASK)
  return out
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

// --- messages ------------------------------------------------------------------------------------

/** A run of more than ECHO_LIMIT characters without a space is an echoed value, not words. */
const LONG_RUN = new RegExp(`\\S{${ECHO_LIMIT + 1},}`, 'g')

/**
 * An error message fit to leave a boundary: credentials masked, every echoed value (a run of more
 * than ECHO_LIMIT characters without a space) cut, each line at most LINE_LIMIT, the whole at
 * most `limit` (the CLI passes Infinity: a bulk error lists every bad row, one per line).
 */
export function safeMessage(text: string, limit = MESSAGE_LIMIT): string {
  const lines = text.split('\n').map((line) => clip(redactSecrets(line).replace(LONG_RUN, (run) => clip(run)), LINE_LIMIT))
  return clip(lines.join('\n'), limit)
}

// --- URLs ----------------------------------------------------------------------------------------

/** An http(s) URL: its origin (userinfo, host, port), then its path, query and fragment if any. */
const HTTP_URL = /(https?:\/\/[^\s/?#"'<>]{1,512})([/?#][^\s"'<>]*)?/gi

/**
 * A URL as it may be shown or logged: scheme, host and port only (`https://hooks.slack.com`). A
 * webhook's path often is its token (Slack's `/services/T…/B…/secret`), so nothing after the
 * host is kept; text that is not a URL becomes the mask.
 */
export function urlOrigin(url: string): string {
  try {
    const parsed = new URL(url)
    return parsed.host === '' ? MASK : `${parsed.protocol}//${parsed.host}`
  } catch {
    return MASK
  }
}

/**
 * `text` with every http(s) URL cut to its origin, the rest masked:
 * `https://hooks.slack.com/services/T0/B0/x` → `https://hooks.slack.com/••••`. A line cannot tell
 * a webhook from another URL, so every path goes: masking too much is the safe mistake.
 */
export function maskUrlPaths(text: string): string {
  if (!/https?:\/\//i.test(text)) return text
  return text.replace(HTTP_URL, (all: string, origin: string, rest: string | undefined) =>
    rest === undefined || rest === '/' || rest === `/${MASK}` ? all : `${origin}/${MASK}`,
  )
}

/** One line of an app log as it is written: credentials masked, URLs cut to their origin. */
export function redactLogText(text: string): string {
  return maskUrlPaths(redactSecrets(text))
}
