import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { clip, echo, ECHO_LIMIT, LINE_LIMIT, MASK, maskUrl, maskUrlPaths, MESSAGE_LIMIT, redactLogText, redactSecrets, safeMessage, urlOrigin, withoutUrl } from './redact'

describe('clip', () => {
  it('keeps short text and cuts long text with an ellipsis and the original length', () => {
    expect(clip('short')).toBe('short')
    const cut = clip('x'.repeat(1_000_000))
    expect(cut).toHaveLength(ECHO_LIMIT)
    expect(cut).toMatch(/^x+… \(1000000 chars\)$/)
    expect(clip(cut)).toBe(cut)
  })

  it('never cuts a surrogate pair in half', () => {
    const cut = clip('😀'.repeat(150))
    expect(cut.startsWith('😀'.repeat(80))).toBe(true)
    expect(cut).not.toMatch(/[\ud800-\udbff]…/)
  })
})

describe('echo', () => {
  it('quotes a string as JSON, so a newline cannot start a line of the message', () => {
    expect(echo('a\nb')).toBe('"a\\nb"')
    expect(echo(12)).toBe('12')
    expect(echo([1, 2])).toBe('a list of 2')
    expect(echo({ a: 1 })).toBe('a mapping')
  })

  it('cuts a 1 MB value and masks a password in it', () => {
    expect(echo('k'.repeat(1_000_000))).toHaveLength(ECHO_LIMIT)
    expect(echo('postgres://jd:hunter2@db/q')).toBe(`"postgres://jd:${MASK}@db/q"`)
  })
})

describe('redactSecrets', () => {
  it.each([
    ['postgres://jd:hunter2@db.internal:5432/q', `postgres://jd:${MASK}@db.internal:5432/q`],
    ['could not reach https://u:p%40ss@x.example/a', `could not reach https://u:${MASK}@x.example/a`],
    ['Authorization: Bearer abc.def-ghi', `Authorization: Bearer ${MASK}`],
    ['"Proxy-Authorization":"Basic dXNlcjpwYXNz"', `"Proxy-Authorization":"Basic ${MASK}"`],
    ['authorization=s3cr3t', `authorization=${MASK}`],
    ['Headers.set: "Bearer tok123\\n" is an invalid header value', `Headers.set: "Bearer ${MASK}\\n" is an invalid header value`],
    ['GET https://api.example/x?access_token=abc&page=2', `GET https://api.example/x?access_token=${MASK}&page=2`],
    ['password=pw1; PGPASSWORD=pw2 client_secret=pw3', `password=${MASK}; PGPASSWORD=${MASK} client_secret=${MASK}`],
    ['{"password":"pw","api_key": "k"}', `{"password":"${MASK}","api_key": "${MASK}"}`],
    ["statement 1/1 (line 1: ALTER ROLE jd PASSWORD 'hunter''2'): permission denied", `statement 1/1 (line 1: ALTER ROLE jd PASSWORD '${MASK}'): permission denied`],
  ])('masks %s', (input, expected) => {
    expect(redactSecrets(input)).toBe(expected)
  })

  it('leaves words about credentials alone', () => {
    for (const text of [
      'postgres.url: the password must not be written in the config file',
      'connection.test: password: expected string, received number',
      'postgres://jd@db:5432/q',
      'param "token": required, but no value was given',
    ]) {
      expect(redactSecrets(text)).toBe(text)
    }
  })

  it('is idempotent', () => {
    const once = redactSecrets('postgres://u:pw@h Authorization: Bearer x token=1')
    expect(redactSecrets(once)).toBe(once)
  })

  it('never lets a generated secret through, whatever surrounds it', () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9]{6,40}$/)
    const around = fc.string({ maxLength: 30 }).map((s) => s.replace(/[A-Za-z0-9]/g, ' '))
    const forms = [
      (s: string) => `postgres://user:${s}@db:5432/x`,
      (s: string) => `Authorization: Bearer ${s}`,
      (s: string) => `authorization: ${s}`,
      (s: string) => `Proxy-Authorization: Basic ${s}`,
      (s: string) => `?token=${s}&x=1`,
      (s: string) => `password=${s}`,
      (s: string) => `"secret": "${s}"`,
      (s: string) => `CREATE ROLE x PASSWORD '${s}'`,
    ]
    fc.assert(
      fc.property(secret, around, around, fc.integer({ min: 0, max: forms.length - 1 }), (s, before, after, form) => {
        expect(redactSecrets(`${before}${forms[form]!(s)}${after}`)).not.toContain(s)
      }),
    )
  })

  it('scans 1 MB of hostile text quickly (linear patterns)', () => {
    const hostile = ['k'.repeat(1_000_000), 'a.'.repeat(500_000), 'password'.repeat(125_000), 'token-'.repeat(170_000), 'bearer '.repeat(150_000), '://a:'.repeat(200_000)]
    for (const text of hostile.map((h) => `${h}:=`)) {
      const started = performance.now()
      redactSecrets(text)
      // A sanity bound far above the few tens of ms it takes: quadratic would take minutes.
      expect(performance.now() - started).toBeLessThan(5_000)
    }
  })
})

describe('safeMessage', () => {
  it('cuts an echoed 1 MB key, says its length, and masks credentials', () => {
    const message = safeMessage(`jobs.enqueue: input: Unrecognized key: "${'k'.repeat(1_000_000)}" from postgres://a:b@c/d`)
    expect(message.length).toBeLessThan(400)
    expect(message).toContain('… (1000002 chars)')
    expect(message).toContain(`postgres://a:${MASK}@c/d`)
  })

  it('keeps lines, bounds each line and the whole', () => {
    expect(safeMessage('one\ntwo')).toBe('one\ntwo')
    const words = Array.from({ length: 5_000 }, () => 'word').join(' ')
    expect(safeMessage(words).length).toBeLessThanOrEqual(LINE_LIMIT)
    const many = Array.from({ length: 100 }, () => words).join('\n')
    expect(safeMessage(many).length).toBeLessThanOrEqual(MESSAGE_LIMIT)
    expect(safeMessage(safeMessage(many))).toBe(safeMessage(many))
    expect(safeMessage(many, Infinity).split('\n')).toHaveLength(100)
  })
})

describe('urlOrigin and maskUrlPaths', () => {
  it('keeps scheme, host and port of a URL, never its path or query', () => {
    expect(urlOrigin('https://hooks.slack.com/services/T0/B0/secret')).toBe('https://hooks.slack.com')
    expect(urlOrigin('http://127.0.0.1:8080/hook?token=x')).toBe('http://127.0.0.1:8080')
    expect(urlOrigin('not a url')).toBe(MASK)
  })

  it('cuts every http(s) URL in a line to its origin, leaving bare origins and other text', () => {
    expect(maskUrlPaths('POST https://hooks.slack.com/services/T0/B0/secret: 404')).toBe(`POST https://hooks.slack.com/${MASK} 404`)
    expect(maskUrlPaths('see https://example.com/ and http://example.com')).toBe('see https://example.com/ and http://example.com')
    expect(maskUrlPaths('"https://x.example/a?b=c"')).toBe(`"https://x.example/${MASK}"`)
    expect(maskUrlPaths('postgres://u@db/q')).toBe('postgres://u@db/q')
  })

  it('redactLogText masks a URL password and the path after it', () => {
    expect(redactLogText('https://u:pw@x.example/t/abc')).toBe(`https://u:${MASK}@x.example/${MASK}`)
  })
})

describe('maskUrl and withoutUrl', () => {
  const url = 'https://hooks.slack.com/services/T0001/B0002/AbCdEfGhIjKlMnOp?token=qwertyuiop12'
  it('shows a URL as its scheme and host only', () => {
    expect(maskUrl(url)).toBe('https://hooks.slack.com/…')
    expect(maskUrl('http://user:pw@127.0.0.1:8080/x')).toBe('http://127.0.0.1:8080/…')
    expect(maskUrl('not a url')).toBe('an unreadable URL')
  })

  it('clears what a receiver or library says of the URL: the whole, its path, and its long pieces alone', () => {
    expect(withoutUrl(`POST ${url} failed`, url)).toBe('POST https://hooks.slack.com/… failed')
    expect(withoutUrl('no route for /services/T0001/B0002/AbCdEfGhIjKlMnOp', url)).toBe('no route for /…')
    expect(withoutUrl('invalid token AbCdEfGhIjKlMnOp (team T0001)', url)).toBe(`invalid token ${MASK} (team T0001)`)
    expect(withoutUrl('bad query token qwertyuiop12', url)).toBe(`bad query token ${MASK}`)
    expect(withoutUrl('unrelated text', url)).toBe('unrelated text')
  })
})
