// Reads jobdeck.yaml: YAML with positions, then the schema, then cross-field checks. Every problem
// is collected and reported as file:line:col, so an operator fixes the file in one pass.
import { existsSync } from 'node:fs'
import path from 'node:path'
import { visit, type Document } from 'yaml'
import { configSchema, type JobTypeConfig, type JobdeckConfig } from '../../../src-shared/config-schema'
import { MAX_CONFIG_BYTES, readConfigFile, tooLargeMessage, type ConfigText } from './config-file'
import { checkJobType, checkSqlConnections } from './job-type-checks'
import type { ScheduleSpec } from '../model/schedule-times'
import { checkSchedules, scheduleSpecs, zonelessSchedules } from './schedule-checks'
import { checkSources, sourceSpecs } from './source-checks'
import { alertWarnings, checkAlerts } from './alert-checks'
import type { SourceSpec } from '../sources/source-spec'
import { takeProtoKeys } from './reserved-keys'
import { resolveJobTypePaths } from './resolve-paths'
import { readYamlDocument } from './yaml-document'
import { dottedPath, locate, type SourceDoc } from './yaml-positions'
import { configErrorMap, toProblems, type ConfigProblem } from './zod-issues'

export interface ConfigError {
  file: string
  /** 1-based. */
  line: number
  /** 1-based. */
  col: number
  /** Dotted path of the offending entry (`jobs.fetch.timeout`); empty for YAML syntax errors. */
  path: string
  message: string
}

export interface LoadedConfig {
  /** Absolute path of the config file. */
  path: string
  /** Its folder: the base of relative paths in it. */
  dir: string
  /** As parsed, paths unresolved. */
  raw: JobdeckConfig
  /** Job types by name, with `cwd` and file arguments of `command` made absolute. */
  types: Map<string, JobTypeConfig>
  /** Schedules by name, defaults applied and params checked (a zone left out is the machine's). */
  schedules: Map<string, ScheduleSpec>
  /**
   * Schedules without `timezone:`, each at its place: shared mode from `--pg` or JOBDECK_PG_URL
   * refuses to start with them (instances may sit in different zones).
   */
  zonelessSchedules: ConfigError[]
  /** Other systems' job tables by name, presets merged, with where each column and status is written. */
  sources: Map<string, SourceSpec>
  /** What `jobdeck validate` warns about without failing (a webhook URL written in the file), never holding a secret. */
  warnings: ConfigError[]
}

export type ConfigLoadResult = { ok: true; config: LoadedConfig } | { ok: false; errors: ConfigError[] }

export function formatConfigError(error: ConfigError): string {
  return `${error.file}:${error.line}:${error.col}: ${error.message}`
}

export function loadConfigFile(file: string): ConfigLoadResult {
  const absolute = path.resolve(file)
  let read: ConfigText
  try {
    read = readConfigFile(absolute)
  } catch (error) {
    return { ok: false, errors: [fileError(absolute, readFailure(absolute, error))] }
  }
  if (!read.ok) return { ok: false, errors: [{ file: absolute, line: read.line, col: read.col, path: '', message: read.message }] }
  return parseConfigText(read.text, absolute)
}

function readFailure(file: string, error: unknown): string {
  const code = error instanceof Error && 'code' in error ? String(error.code) : ''
  if (code === 'ENOENT') return `config file not found: ${file}`
  if (code === 'EISDIR') return `expected a config file but found a folder: ${file}`
  if (code === 'EACCES' || code === 'EPERM') return `no permission to read the config file: ${file}`
  return `cannot read the config file ${file}: ${error instanceof Error ? error.message : String(error)}`
}

function fileError(file: string, message: string): ConfigError {
  return { file, line: 1, col: 1, path: '', message }
}

/** `file` names the source in errors and is the base of relative paths. */
export function parseConfigText(text: string, file: string): ConfigLoadResult {
  const absolute = path.resolve(file)
  const size = Buffer.byteLength(text, 'utf8')
  if (size > MAX_CONFIG_BYTES) return { ok: false, errors: [fileError(absolute, tooLargeMessage(size))] }
  const { doc, lineCounter, problems: yamlProblems } = readYamlDocument(text)
  const yamlErrors: ConfigError[] = yamlProblems.map(({ offset, message }) => ({ file: absolute, ...lineCounter.linePos(offset), path: '', message }))
  if (doc === null) return { ok: false, errors: yamlErrors }

  let data: unknown
  try {
    data = doc.toJS({ maxAliasCount: 1000 })
  } catch (error) {
    const offset = unresolvedAliasAt(doc)
    const pos = offset === null ? { line: 1, col: 1 } : lineCounter.linePos(offset)
    const message = `cannot read the YAML: ${error instanceof Error ? error.message : String(error)}`
    return { ok: false, errors: [...yamlErrors, { file: absolute, ...pos, path: '', message }] }
  }

  if (data === null || data === undefined) {
    const message = 'the config is empty; expected a mapping with `jobs:` (and optionally `runner:`, `lanes:`)'
    return { ok: false, errors: [...yamlErrors, fileError(absolute, message)] }
  }

  const problems: ConfigProblem[] = takeProtoKeys(data)
  const parsed = configSchema.safeParse(data, { reportInput: true, error: configErrorMap })
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(...toProblems(issue, configSchema))
  }
  problems.push(...crossFieldProblems(data))
  if (isRecord(data)) problems.push(...checkSqlConnections(data, existsSync, path.dirname(absolute)), ...checkSchedules(data), ...checkSources(data), ...checkAlerts(data))

  const errors = [...yamlErrors, ...locateAll(problems, { doc, lineCounter, text }, absolute)]
  if (errors.length > 0 || !parsed.success) return { ok: false, errors: sortErrors(errors) }

  const dir = path.dirname(absolute)
  const types = new Map<string, JobTypeConfig>()
  for (const [name, type] of Object.entries(parsed.data.jobs)) types.set(name, resolveJobTypePaths(type, dir))
  const zoneless = zonelessSchedules(parsed.data).map((name) => {
    const pos = locate({ doc, lineCounter, text }, ['schedules', name], 'key')
    const message = `schedules.${name}: shared mode needs \`timezone:\` on every schedule (instances may sit in different zones); write the IANA zone, e.g. timezone: Europe/Berlin`
    return { file: absolute, ...pos, path: `schedules.${name}`, message }
  })
  const place = (at: Parameters<typeof locate>[1], where: Parameters<typeof locate>[2] = 'value'): string => {
    const pos = locate({ doc, lineCounter, text }, at, where)
    return `${path.basename(absolute)}:${pos.line}:${pos.col}`
  }
  const sources = sourceSpecs(parsed.data, place)
  const warnings = isRecord(data) ? locateAll(alertWarnings(data), { doc, lineCounter, text }, absolute) : []
  return { ok: true, config: { path: absolute, dir, raw: parsed.data, types, schedules: scheduleSpecs(parsed.data), zonelessSchedules: zoneless, sources, warnings } }
}

function crossFieldProblems(data: unknown): ConfigProblem[] {
  if (!isRecord(data) || !isRecord(data.jobs)) return []
  return Object.entries(data.jobs).flatMap(([name, value]) => checkJobType(name, value))
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function locateAll(problems: ConfigProblem[], source: SourceDoc, file: string): ConfigError[] {
  const seen = new Set<string>()
  const errors: ConfigError[] = []
  for (const problem of problems) {
    const pos = locate(source, problem.path, problem.at, problem.needle)
    const error = { file, line: pos.line, col: pos.col, path: dottedPath(problem.path), message: problem.message }
    const key = formatConfigError(error)
    if (seen.has(key)) continue
    seen.add(key)
    errors.push(error)
  }
  return errors
}

function sortErrors(errors: ConfigError[]): ConfigError[] {
  return errors
    .map((error, index) => ({ error, index }))
    .sort((a, b) => a.error.line - b.error.line || a.error.col - b.error.col || a.index - b.index)
    .map(({ error }) => error)
}

function unresolvedAliasAt(doc: Document): number | null {
  let offset: number | null = null
  visit(doc, {
    Alias(_, alias) {
      if (alias.resolve(doc) !== undefined) return undefined
      offset = alias.range?.[0] ?? null
      return visit.BREAK
    },
  })
  return offset
}
