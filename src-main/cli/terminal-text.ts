// Everything the CLI prints passes here: a value (a param, a lane, a run's error, a job's output,
// a database URL) may hold terminal escape sequences that recolour, retitle or rewrite the
// operator's screen, a newline that forges a line of `jobdeck run`'s log, or a bidi override
// that shows text reversed. Such characters are printed as visible escapes (`\x1b`, `\n`,
// `\u202e`); JSON output stays JSON that parses to the same values.

/** C0 controls, DEL, C1 controls, and the bidi marks, embeddings, overrides and isolates. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g
/** The same minus what JSON.stringify already escapes (C0), plus the JS line separators. */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f', '\v': '\\v', '\0': '\\0' }

function visible(char: string): string {
  const named = NAMED[char]
  if (named !== undefined) return named
  const code = char.charCodeAt(0)
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
}

/** `text` with every control and bidi character shown as an escape; `tabs` keeps tabs as they are. */
export function escapeTerminal(text: string, options: { tabs?: boolean } = {}): string {
  return text.replace(UNSAFE, (char) => (options.tabs === true && char === '\t' ? char : visible(char)))
}

/** A template whose interpolated values are escaped; its own text (and newlines) is kept. */
export function term(strings: TemplateStringsArray, ...values: unknown[]): string {
  let out = strings[0] ?? ''
  values.forEach((value, i) => {
    out += escapeTerminal(String(value)) + (strings[i + 1] ?? '')
  })
  return out
}

/** Lines of a message kept as lines, each escaped: a value inside cannot add one. */
export function escapeLines(text: string): string {
  return text
    .split('\n')
    .map((line) => escapeTerminal(line))
    .join('\n')
}

/** JSON as JSON.stringify writes it, with the characters it leaves raw escaped as \uXXXX. */
export function jsonText(value: unknown, indent?: number): string {
  return (JSON.stringify(value, null, indent) ?? 'null').replace(UNSAFE_IN_JSON, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
