// `{name}` templates of jobdeck.yaml (command elements, cwd, env values, lane). `{{` and `}}` are
// literal braces. Shared with the renderer, so no node imports.

export type TemplatePart = { kind: 'text'; text: string } | { kind: 'param'; name: string; offset: number }

export interface TemplateProblem {
  /** Index in the template string where the problem starts. */
  offset: number
  message: string
}

export interface ParsedTemplate {
  parts: TemplatePart[]
  problems: TemplateProblem[]
}

const PLACEHOLDER_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/

/**
 * Splits a template into text and placeholders. Malformed braces are kept as literal text and
 * reported in `problems`, so a lenient caller (substitute) and a strict one (config validation)
 * share one reading of the template.
 */
export function parseTemplate(template: string): ParsedTemplate {
  const parts: TemplatePart[] = []
  const problems: TemplateProblem[] = []
  let text = ''
  let i = 0
  while (i < template.length) {
    const ch = template[i]
    const next = template[i + 1]
    if (ch === '{' && next === '{') {
      text += '{'
      i += 2
    } else if (ch === '}' && next === '}') {
      text += '}'
      i += 2
    } else if (ch === '{') {
      const close = template.indexOf('}', i + 1)
      const nestedOpen = template.indexOf('{', i + 1)
      if (close === -1 || (nestedOpen !== -1 && nestedOpen < close)) {
        problems.push({ offset: i, message: `unclosed "{" at character ${i + 1}; write {{ for a literal brace` })
        text += ch
        i += 1
        continue
      }
      const name = template.slice(i + 1, close)
      if (!PLACEHOLDER_NAME.test(name)) {
        problems.push({
          offset: i,
          message: `"{${name}}" is not a placeholder (a param name is letters, digits, _ or -); write {{ and }} for literal braces`,
        })
        text += template.slice(i, close + 1)
        i = close + 1
        continue
      }
      if (text !== '') parts.push({ kind: 'text', text })
      text = ''
      parts.push({ kind: 'param', name, offset: i })
      i = close + 1
    } else if (ch === '}') {
      problems.push({ offset: i, message: `unmatched "}" at character ${i + 1}; write }} for a literal brace` })
      text += ch
      i += 1
    } else {
      text += ch
      i += 1
    }
  }
  if (text !== '') parts.push({ kind: 'text', text })
  return { parts, problems }
}

/** Names used as `{name}`, each once, in order of first use. */
export function placeholders(template: string): string[] {
  const names: string[] = []
  for (const part of parseTemplate(template).parts) {
    if (part.kind === 'param' && !names.includes(part.name)) names.push(part.name)
  }
  return names
}

export type TemplateValues = Record<string, string | number | boolean | undefined>

/** Where one placeholder's value landed in a filled template: `text.slice(start, end)`. */
export interface FilledSpan {
  name: string
  start: number
  end: number
}

/**
 * Fills `{name}` with its value passed through `encode`; a missing or undefined value becomes the
 * empty string. The spans say which characters came from which param, for checks that care
 * (a URL path segment that a param made `..`).
 */
export function fillTemplate(template: string, values: TemplateValues, encode: (value: string) => string = (v) => v): { text: string; spans: FilledSpan[] } {
  let text = ''
  const spans: FilledSpan[] = []
  for (const part of parseTemplate(template).parts) {
    if (part.kind === 'text') {
      text += part.text
      continue
    }
    const value = Object.hasOwn(values, part.name) ? values[part.name] : undefined
    const filled = value === undefined ? '' : encode(String(value))
    spans.push({ name: part.name, start: text.length, end: text.length + filled.length })
    text += filled
  }
  return { text, spans }
}

/** Fills `{name}` with its value; a missing or undefined value becomes the empty string. */
export function substitute(template: string, values: TemplateValues): string {
  return fillTemplate(template, values).text
}
