// Preloaded (`node --require`) into Electron's download script by scripts/prepare-electron.mjs.
// Node's fetch rejects with a bare "fetch failed" and keeps the reason (DNS, refused, TLS, proxy)
// in `cause`, which the download script's `console.error(err.stack)` never prints; this puts the
// URL and the reason into the message, so the one line Jobdeck shows says what went wrong.
'use strict'

const fetch = globalThis.fetch

/** The innermost reason: `getaddrinfo ENOTFOUND github.com`, `connect ECONNREFUSED 127.0.0.1:9`. */
function reason(error) {
  let at = error
  for (let depth = 0; depth < 5 && at && at.cause; depth++) at = at.cause
  if (at && Array.isArray(at.errors) && at.errors.length > 0) at = at.errors[0]
  const text = (at && (at.message || at.code)) || String(at)
  return at && at.code && !text.includes(at.code) ? `${text} (${at.code})` : text
}

if (typeof fetch === 'function') {
  globalThis.fetch = async function fetchWithCause(input, init) {
    try {
      return await fetch(input, init)
    } catch (error) {
      if (!(error instanceof TypeError) || !error.cause) throw error
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : (input && input.url) || '?'
      throw new TypeError(`cannot fetch ${url}: ${reason(error)}`, { cause: error })
    }
  }
}
