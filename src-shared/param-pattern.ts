// A param's `pattern`, matched by RE2 (re2js) in time linear in the value: a backtracking JS
// RegExp took 1.6 s per enqueue for `^(a+)+$`, doubling with each character, on the engine's one
// thread. re2js is plain JS, so the renderer's forms judge a value exactly as the engine does.
//
// Where RE2 differs from a JS RegExp (also in README's param section):
// - the whole value must match, as before: `[0-9]{5}` means `^(?:[0-9]{5})$`. `^` and `$` mean
//   start and end of the value, as in a JS RegExp without the `m` flag (`$` does not match before
//   a final newline in either);
// - look-around `(?=…)` `(?!…)` `(?<=…)` `(?<!…)` and backreferences `\1` cannot run in linear
//   time, so they are refused when the config is read, as are `\uXXXX` (write `\x{XXXX}`) and
//   `[^]` (write `(?s:.)`); repeat counts above 1000 are refused too;
// - `.` and `[…]` take one character (code point), where a JS RegExp without `u` takes a UTF-16
//   unit: `.{3}` does not match "a😀";
// - `\s` is `[\t\n\f\r ]`, without the vertical tab and the Unicode spaces of JS;
// - `\pL`, `\p{Greek}`, `[[:alpha:]]` and flags like `(?i)` are understood.
import { RE2JS } from 're2js'

/** Longer patterns are refused: the compiled program grows with the pattern. */
export const MAX_PATTERN_LENGTH = 1000

export type CompiledPattern = { ok: true; matches: (value: string) => boolean } | { ok: false; reason: string }

// Enqueueing a few thousand rows checks one pattern a few thousand times; compile it once.
const compiled = new Map<string, CompiledPattern>()
const CACHE_LIMIT = 256

/** Compiles a param pattern as a full match, or says why it cannot be used. */
export function compilePattern(pattern: string): CompiledPattern {
  const known = compiled.get(pattern)
  if (known) return known
  const result = compile(pattern)
  if (compiled.size >= CACHE_LIMIT) compiled.clear()
  compiled.set(pattern, result)
  return result
}

function compile(pattern: string): CompiledPattern {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    return { ok: false, reason: `it is ${pattern.length} characters long; a pattern has at most ${MAX_PATTERN_LENGTH}` }
  }
  try {
    const re = RE2JS.compile(pattern)
    return { ok: true, matches: (value) => re.matches(value) }
  } catch (error) {
    return { ok: false, reason: explain(error instanceof Error ? error.message : String(error)) }
  }
}

/** re2js says `error parsing regexp: invalid escape sequence: \`\1\``; name the construct and why. */
function explain(message: string): string {
  const text = message.replace(/^error parsing regexp: /, '')
  const fragment = /`([^]*)`$/.exec(text)?.[1] ?? ''
  if (/^\(\?[=!]/.test(fragment)) return `look-ahead ${fragment.slice(0, 3)}…) is not supported (patterns run in linear time)`
  if (/^\(\?<[=!]/.test(fragment)) return `look-behind ${fragment.slice(0, 4)}…) is not supported (patterns run in linear time)`
  if (/^\\[1-9]/.test(fragment)) return `backreference ${fragment} is not supported (patterns run in linear time)`
  if (fragment.startsWith('[^]')) return '[^] is not supported; write (?s:.) for any character'
  if (fragment === '\\u') return 'write a code point as \\x{00e9}, not \\u00e9'
  return text
}
