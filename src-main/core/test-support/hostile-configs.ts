// Hostile config files for the fuzz tests. Every one must be refused by `jobdeck validate` with
// exit 1 and a `file:line:col:` message naming what is wrong, in little time. Generated rather
// than committed: some are binary, some are megabytes.

export interface HostileConfig {
  name: string
  bytes: Buffer
  /** The message of the first error, after `file:line:col: `. */
  expect: RegExp
}

const text = (value: string): Buffer => Buffer.from(value, 'utf8')

/** One command job type `a` with `lines` (indented 4) added. */
const job = (...lines: string[]): string => `jobs:\n  a:\n    command: [node]\n${lines.map((line) => `    ${line}\n`).join('')}`

const timerMax = /of at most 24d \(a timer cannot wait longer than 2\^31-1 ms, about 24\.8 days\)/
const reserved = /invalid name "(__proto__|constructor|prototype)": __proto__, constructor and prototype are reserved names/
const notLinear = /is not supported \(patterns run in linear time\)/
const yamlTag = /^unknown YAML tag \S+; the config holds plain text/
const tooDeep = /^the YAML nests deeper than 64 levels of mappings and lists here$/

function durations(): HostileConfig[] {
  const cases: Array<[string, string]> = [
    ['timeout-25d', job('timeout: 25d')],
    ['killgrace-30d', job('killGrace: 30d')],
    ['retries-base-25d', job('retries: { max: 3, base: 25d }')],
    ['retries-maxdelay-1000d', job('retries: { maxDelay: 1000d }')],
    ['http-timeout-25d', 'jobs:\n  a:\n    http: { url: "http://x", timeout: 25d }\n'],
    ['http-retries-base-25d', 'jobs:\n  a:\n    http: { url: "http://x", retries: { base: 25d } }\n'],
    ['http-breaker-reset-25d', 'jobs:\n  a:\n    http: { url: "http://x", breaker: { resetAfter: 25d } }\n'],
    ['sql-statement-timeout-25d', 'jobs:\n  a:\n    sql: { statement: "select 1", statementTimeout: 25d }\n'],
    ['monitor-interval-25d', 'monitor: { interval: 25d }\njobs: {}\n'],
    ['monitor-run-interval-seconds', 'monitor: { runInterval: 2592000 }\njobs: {}\n'],
    ['postgres-lease-25d', 'postgres: { lease: 25d }\njobs: {}\n'],
    ['postgres-statement-timeout-25d', 'postgres: { statementTimeout: 25d }\njobs: {}\n'],
    ['postgres-connect-timeout-25d', 'postgres: { connectTimeout: 25d }\njobs: {}\n'],
    ['connection-connect-timeout-25d', 'connections:\n  db: { url: "postgres://u@h/d", connectTimeout: 25d }\njobs: {}\n'],
    ['timeout-infinite-digits', job(`timeout: ${'9'.repeat(400)}d`)],
  ]
  return [
    ...cases.map(([name, yaml]) => ({ name, bytes: text(yaml), expect: timerMax })),
    { name: 'timeout-nan', bytes: text(job('timeout: .nan')), expect: /got \.nan \(not a number\)$/ },
    { name: 'timeout-inf', bytes: text(job('timeout: .inf')), expect: /got \.inf \(infinity\)$/ },
    { name: 'killgrace-minus-inf', bytes: text(job('killGrace: -.inf')), expect: /got -\.inf \(infinity\)$/ },
    { name: 'timeout-1e400', bytes: text(job('timeout: 1e400')), expect: /got \.inf \(infinity\)$/ },
    { name: 'max-cpu-inf', bytes: text(job('needs: { maxCpu: .inf }')), expect: /percentage from 0 to 100 .*got \.inf/ },
    { name: 'log-limit-nan', bytes: text(job('logLimit: .nan')), expect: /expected a number, got \.nan/ },
    { name: 'retention-infinite', bytes: text(`monitor: { rawRetention: ${'9'.repeat(400)}d }\njobs: {}\n`), expect: /at most 36500d/ },
  ]
}

function patterns(): HostileConfig[] {
  const param = (pattern: string, extra = ''): Buffer =>
    text(job('params:', `  p: { type: string, pattern: ${JSON.stringify(pattern)}${extra} }`))
  return [
    // Refused by its default, which the check runs against the pattern: it must give its verdict.
    { name: 'pattern-redos-default', bytes: param('^(a+)+$', `, default: "${'a'.repeat(30)}!"`), expect: /does not pass the param's own validation: expected a value matching/ },
    { name: 'pattern-redos-nested', bytes: param('^((a|aa)+|b)*$', `, default: "${'a'.repeat(40)}!"`), expect: /does not pass the param's own validation/ },
    { name: 'pattern-lookahead', bytes: param('(?=a)a'), expect: notLinear },
    { name: 'pattern-negative-lookahead', bytes: param('x(?!y)'), expect: notLinear },
    { name: 'pattern-lookbehind', bytes: param('(?<=a)b'), expect: notLinear },
    { name: 'pattern-backreference', bytes: param('(a)\\1'), expect: notLinear },
    { name: 'pattern-u-escape', bytes: param('\\u00e9'), expect: /write a code point as \\x\{00e9\}/ },
    { name: 'pattern-any-char-class', bytes: param('[^]'), expect: /\[\^\] is not supported/ },
    { name: 'pattern-huge-repeat', bytes: param('a{2000}'), expect: /invalid repeat count/ },
    { name: 'pattern-unbalanced', bytes: param('a)(b'), expect: /invalid regular expression a\)\(b: unexpected \)/ },
    { name: 'pattern-too-long', bytes: param('a'.repeat(5000)), expect: /a pattern has at most 1000/ },
  ]
}

function values(): HostileConfig[] {
  const nulWhy = /NUL character \(\\0\)/
  return [
    { name: 'default-with-nul', bytes: text(job('params:', '  p: { type: string, default: "a\\0b" }')), expect: nulWhy },
    { name: 'default-over-128k', bytes: text(job('params:', `  p: { type: string, default: "${'x'.repeat(140_000)}" }`)), expect: /a value is at most 131071 bytes/ },
    { name: 'command-with-nul', bytes: text('jobs:\n  a:\n    command: [node, "a\\0b"]\n'), expect: nulWhy },
    { name: 'env-with-nul', bytes: text(job('env: { A: "x\\0" }')), expect: nulWhy },
  ]
}

function names(): HostileConfig[] {
  return [
    { name: 'job-proto', bytes: text('jobs:\n  __proto__:\n    command: [node]\n'), expect: reserved },
    { name: 'job-constructor', bytes: text('jobs:\n  constructor:\n    command: [node]\n'), expect: reserved },
    { name: 'lane-prototype', bytes: text('lanes:\n  prototype: { limit: 2 }\njobs: {}\n'), expect: reserved },
    { name: 'param-proto', bytes: text(job('params:', '  __proto__: { type: string }')), expect: reserved },
    { name: 'connection-constructor', bytes: text('connections:\n  constructor: { url: "postgres://u@h/d" }\njobs: {}\n'), expect: reserved },
    { name: 'env-proto', bytes: text(job('env: { __proto__: x }')), expect: reserved },
    { name: 'runner-proto', bytes: text('runner: { __proto__: { concurrency: 5 } }\njobs: {}\n'), expect: reserved },
    { name: 'header-constructor', bytes: text('jobs:\n  a:\n    http: { url: "http://x", headers: { constructor: x } }\n'), expect: reserved },
  ]
}

function sizes(): HostileConfig[] {
  const many = (count: number, each: (i: number) => string): string => `jobs:\n${Array.from({ length: count }, (_, i) => each(i)).join('')}`
  const flat: string[] = []
  for (let i = 0, size = 0; size < 400 * 1024; i++) {
    flat.push(`  j${i}: 1\n`)
    size += flat[flat.length - 1]?.length ?? 0
  }
  return [
    { name: 'over-1mib-comments', bytes: text(`jobs: {}\n${'# padding\n'.repeat(120_000)}`), expect: /^the config file is 1\.1 MiB .* at most 1 MiB/ },
    { name: 'huge-20mb-types', bytes: text(many(254_000, (i) => `  t${i}:\n    command: [node, x.js, "{p}"]\n    params: { p: { type: string } }\n`)), expect: /^the config file is \d+ MiB .* at most 1 MiB/ },
    { name: 'flat-400kib-mapping', bytes: text(`jobs:\n${flat.join('')}`), expect: /^jobs\.j0: expected a mapping, got 1$/ },
    { name: 'duplicate-keys-5000', bytes: text(many(5_000, () => '  a: { command: [node] }\n')), expect: /^duplicate key "a"; a key may appear only once in a mapping$/ },
    { name: 'one-long-line', bytes: text(`jobs: { a: { command: [node], title: "${'x'.repeat(900_000)}", timeout: 25d } }\n`), expect: timerMax },
  ]
}

function encodings(): HostileConfig[] {
  const utf16 = (value: string): Buffer => Buffer.from(value, 'utf16le')
  const broken = (bytes: number[]): Buffer => Buffer.concat([text('jobs:\n  a:\n    command: [node]\n    title: "x'), Buffer.from(bytes), text('"\n')])
  const notUtf8 = /^the config file is not valid UTF-8: byte 0x[0-9A-F]{2} here/
  return [
    { name: 'utf16le-no-bom', bytes: utf16(job('timeout: 25d')), expect: /looks like UTF-16 without a byte order mark; save it as UTF-8$/ },
    { name: 'utf16be-no-bom', bytes: utf16(job('timeout: 25d')).swap16(), expect: /looks like UTF-16 without a byte order mark/ },
    { name: 'utf16le-bom-error', bytes: utf16(`\ufeff${job('timeout: 25d')}`), expect: timerMax },
    { name: 'utf16be-bom-error', bytes: utf16(`\ufeff${job('timeout: 25d')}`).swap16(), expect: timerMax },
    { name: 'utf16-bom-odd-length', bytes: Buffer.concat([Buffer.from([0xff, 0xfe]), utf16('jobs: {}').subarray(1)]), expect: /not valid UTF-16LE; save it as UTF-8$/ },
    { name: 'utf32-bom', bytes: Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), Buffer.from('jobs: {}', 'utf16le')]), expect: /UTF-32, which is not supported/ },
    { name: 'latin1-byte', bytes: broken([0xe9]), expect: notUtf8 },
    { name: 'overlong-utf8', bytes: broken([0xc0, 0xaf]), expect: notUtf8 },
    { name: 'utf8-surrogate', bytes: broken([0xed, 0xa0, 0x80]), expect: notUtf8 },
    { name: 'utf8-past-10ffff', bytes: broken([0xf4, 0x90, 0x80, 0x80]), expect: notUtf8 },
    { name: 'utf8-truncated-at-end', bytes: Buffer.concat([text('jobs: {}\n# euro '), Buffer.from([0xe2, 0x82])]), expect: notUtf8 },
    { name: 'stray-continuation-byte', bytes: broken([0x80]), expect: notUtf8 },
    { name: 'nul-byte', bytes: Buffer.concat([text('jobs:\n  a:\n    command: [node]\n    title: x'), Buffer.from([0]), text('y\n')]), expect: /holds a NUL character here/ },
    { name: 'bom-then-error', bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text(job('timeout: 25d'))]), expect: timerMax },
    { name: 'crlf-error', bytes: text(job('timeout: 25d').replace(/\n/g, '\r\n')), expect: timerMax },
  ]
}

function yamlShapes(): HostileConfig[] {
  const blocks = Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i)}k:`).join('\n')
  const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
  for (const [name, from] of [['b', 'a'], ['c', 'b'], ['d', 'c'], ['e', 'd'], ['f', 'e'], ['g', 'f']]) {
    laughs.push(`${name}: &${name} [${Array(9).fill(`*${from}`).join(',')}]`)
  }
  return [
    { name: 'deep-flow-nesting', bytes: text(`jobs:\n  a:\n    http:\n      url: "http://x"\n      body: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`), expect: tooDeep },
    { name: 'deep-flow-mappings', bytes: text(`jobs: ${'{a: '.repeat(5_000)}1${'}'.repeat(5_000)}\n`), expect: tooDeep },
    { name: 'deep-block-nesting', bytes: text(`${blocks} 1\n`), expect: tooDeep },
    { name: 'deep-block-sequences', bytes: text(`jobs:\n  a:\n    command:\n      ${'- '.repeat(2_000)}x\n`), expect: tooDeep },
    { name: 'second-document', bytes: text(`${job()}---\njobs: {}\n`), expect: /^the config must be one YAML document; found a second at 4:1$/ },
    { name: 'second-document-after-end-marker', bytes: text('jobs: {}\n...\nrunner: {}\n'), expect: /^the config must be one YAML document; found a second at 3:1$/ },
    { name: 'tag-python-object', bytes: text('jobs:\n  a:\n    command: !!python/object/apply:os.system ["rm -rf /"]\n'), expect: yamlTag },
    { name: 'tag-binary', bytes: text(job('env: { A: !!binary aGk= }')), expect: yamlTag },
    { name: 'tag-local', bytes: text(job('title: !secret vault/key')), expect: yamlTag },
    { name: 'tag-set', bytes: text(job('env: !!set { A }')), expect: yamlTag },
    { name: 'tag-directive', bytes: text('%TAG !e! tag:example.com,2000:\n---\njobs:\n  a:\n    command: !e!run [node]\n'), expect: yamlTag },
    { name: 'alias-contains-itself', bytes: text('jobs:\n  a:\n    http: { url: "http://x", body: &b [1, *b] }\n'), expect: /alias \*b is inside the value its anchor &b names/ },
    { name: 'alias-command-contains-itself', bytes: text('jobs:\n  a:\n    command: &c [node, *c]\n'), expect: /alias \*c is inside the value its anchor &c names/ },
    { name: 'alias-undefined', bytes: text('jobs:\n  a: *nope\n'), expect: /^cannot read the YAML: Unresolved alias .*nope/ },
    { name: 'alias-billion-laughs', bytes: text(`${laughs.join('\n')}\njobs: {}\n`), expect: /^cannot read the YAML: Excessive alias count/ },
    { name: 'collection-key', bytes: text('jobs:\n  ? [a, b]\n  : { command: [node] }\n'), expect: /^a key must be text, not a list$/ },
    { name: 'empty-file', bytes: Buffer.alloc(0), expect: /^the config is empty/ },
    { name: 'only-comments', bytes: text('# nothing here\n'), expect: /^the config is empty/ },
    { name: 'top-level-scalar', bytes: text('hello\n'), expect: /^expected a mapping, got "hello"$/ },
    { name: 'top-level-list', bytes: text('- jobs\n'), expect: /^expected a mapping, got a list$/ },
    { name: 'jobs-empty', bytes: text('jobs:\n'), expect: /^jobs: expected a mapping, got an empty value$/ },
    { name: 'tab-indentation', bytes: text('jobs:\n\ta:\n\t\tcommand: [node]\n'), expect: /^YAML syntax error: Tabs are not allowed as indentation/ },
    { name: 'unclosed-quote', bytes: text('jobs:\n  a:\n    command: [node, "x]\n'), expect: /^YAML syntax error: Missing closing "quote/ },
    { name: 'merge-key', bytes: text('jobs:\n  a:\n    <<: { command: [node] }\n'), expect: /unknown key "<<"|expected an executor/ },
    { name: 'huge-integer', bytes: text('runner: { concurrency: 99999999999999999999999 }\njobs: {}\n'), expect: /^runner\.concurrency: expected a number of at most/ },
    { name: 'no-executor', bytes: text('jobs:\n  a: { title: nothing to run }\n'), expect: /expected an executor/ },
  ]
}

export function hostileConfigs(): HostileConfig[] {
  return [...durations(), ...patterns(), ...values(), ...names(), ...sizes(), ...encodings(), ...yamlShapes()]
}
