// A strict reader of the Prometheus text exposition format (version 0.0.4), as a scraper reads
// /metrics: every line a HELP, a TYPE or a sample; names and label names of the format's syntax,
// label values quoted with only \\, \" and \n escaped; each family's HELP and TYPE once, before its
// samples; a sample belongs to a declared family (histograms: _bucket with `le`, _sum, _count).
// Throws naming the line and what was expected.

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped'

export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

export interface Family {
  name: string
  type: MetricType
  help: string
  samples: Sample[]
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const TYPES: readonly string[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped']

export function parsePrometheusText(text: string, options: { prefix?: string } = {}): Map<string, Family> {
  const families = new Map<string, Family>()
  const helps = new Set<string>()
  if (!text.endsWith('\n')) throw new Error('the exposition does not end with a newline')
  const lines = text.slice(0, -1).split('\n')
  lines.forEach((line, index) => {
    const where = `line ${index + 1} (${JSON.stringify(line)})`
    if (line === '') return
    if (line.startsWith('#')) {
      const match = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line)
      if (!match) throw new Error(`${where}: expected "# HELP name text" or "# TYPE name type"`)
      const [, kind, name = '', rest = ''] = match
      checkName(name, options.prefix, where)
      const family = families.get(name) ?? { name, type: 'untyped' as MetricType, help: '', samples: [] }
      if (kind === 'HELP') {
        if (helps.has(name)) throw new Error(`${where}: a second HELP for ${name}`)
        helps.add(name)
        family.help = rest
      } else {
        if (!TYPES.includes(rest)) throw new Error(`${where}: expected a type of ${TYPES.join(', ')}`)
        if (families.has(name) && (family.type !== 'untyped' || family.samples.length > 0)) throw new Error(`${where}: TYPE of ${name} after its samples or twice`)
        family.type = rest as MetricType
      }
      families.set(name, family)
      return
    }
    const sample = parseSample(line, where)
    checkName(sample.name, options.prefix, where)
    const family = familyOf(families, sample.name)
    if (!family) throw new Error(`${where}: sample of ${sample.name} without a TYPE for its family`)
    if (family.type === 'histogram' && sample.name === `${family.name}_bucket` && !('le' in sample.labels)) throw new Error(`${where}: a histogram bucket without le`)
    family.samples.push(sample)
  })
  return families
}

function checkName(name: string, prefix: string | undefined, where: string): void {
  if (!NAME.test(name)) throw new Error(`${where}: ${name} is not a metric name`)
  if (prefix !== undefined && !name.startsWith(prefix)) throw new Error(`${where}: ${name} does not start with ${prefix}`)
}

function familyOf(families: Map<string, Family>, name: string): Family | undefined {
  const own = families.get(name)
  if (own) return own
  for (const suffix of ['_bucket', '_sum', '_count']) {
    const family = name.endsWith(suffix) ? families.get(name.slice(0, -suffix.length)) : undefined
    if (family && (family.type === 'histogram' || (family.type === 'summary' && suffix !== '_bucket'))) return family
  }
  return undefined
}

function parseSample(line: string, where: string): Sample {
  const nameEnd = line.search(/[{ ]/)
  if (nameEnd <= 0) throw new Error(`${where}: expected "name{labels} value"`)
  const name = line.slice(0, nameEnd)
  let at = nameEnd
  const labels: Record<string, string> = {}
  if (line[at] === '{') {
    at += 1
    while (line[at] !== '}') {
      const eq = line.indexOf('=', at)
      if (eq < 0) throw new Error(`${where}: expected label="value"`)
      const label = line.slice(at, eq)
      if (!LABEL_NAME.test(label) || label.startsWith('__')) throw new Error(`${where}: ${label} is not a label name`)
      if (label in labels) throw new Error(`${where}: label ${label} twice`)
      if (line[eq + 1] !== '"') throw new Error(`${where}: the value of ${label} is not quoted`)
      let value = ''
      let i = eq + 2
      for (; i < line.length && line[i] !== '"'; i += 1) {
        if (line[i] !== '\\') {
          value += line[i]
          continue
        }
        const escaped = line[i + 1]
        if (escaped === '\\' || escaped === '"') value += escaped
        else if (escaped === 'n') value += '\n'
        else throw new Error(`${where}: bad escape in the value of ${label}`)
        i += 1
      }
      if (i >= line.length) throw new Error(`${where}: the value of ${label} is not closed`)
      labels[label] = value
      at = i + 1
      if (line[at] === ',') at += 1
      else if (line[at] !== '}') throw new Error(`${where}: expected , or } after label ${label}`)
    }
    at += 1
  }
  const rest = line.slice(at)
  const match = /^ (\S+)( -?\d+)?$/.exec(rest)
  if (!match) throw new Error(`${where}: expected " value [timestamp]" after the labels`)
  const text = match[1] ?? ''
  const value = text === '+Inf' ? Infinity : text === '-Inf' ? -Infinity : text === 'NaN' ? NaN : Number(text)
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) && !['+Inf', '-Inf', 'NaN'].includes(text)) throw new Error(`${where}: ${text} is not a number`)
  return { name, labels, value }
}

/** The value of the one sample of `name` whose labels include `labels`; undefined when none, an error when several. */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = [...families.values()]
    .flatMap((f) => f.samples)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`)
  return found[0]?.value
}

/** Every sample of `name`, as label value of `by` → value. */
export function samplesBy(families: Map<string, Family>, name: string, by: string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const s of families.get(name)?.samples ?? []) out[s.labels[by] ?? ''] = s.value
  return out
}
