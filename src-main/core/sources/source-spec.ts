// A source as the mirror runs it: the preset merged with the config's overrides, every column as
// the SQL expression the poll reads, and where each piece is written in the config file (so a
// column missing at connect, or a status met in the data, is reported where it can be fixed).
import { createHash } from 'node:crypto'
import type { SourceConfig } from '../../../src-shared/config-schema'
import { SOURCE_COLUMN_KEYS, type SourceColumnKey, type SourceMeaning, type SourcePreset } from '../../../src-shared/sources'
import type { PathKey, PointAt } from '../config/yaml-positions'
import type { PresetShape } from './preset'
import { PRESETS } from './presets'

/** `jobdeck.yaml:12:14` of a path in the config file. */
export type PlaceOf = (path: PathKey[], at?: PointAt) => string

export interface MarkFailedShape {
  enabled: boolean
  /** The status value of a running row (the UPDATE's guard) and the one it sets. */
  running: string
  failed: string
  /** A column set to now() with it, when the table has one. */
  finishedColumn: string | null
}

export interface SourceSpec {
  name: string
  preset: SourcePreset | null
  /** A name under `connections:`; null for the shared `postgres:` database. */
  connection: string | null
  schema: string
  table: string
  /** `public.background_jobs`, for messages. */
  tableText: string
  /** Where the table is named: `table:`, else `preset:`. */
  tableAt: string
  /** The SQL expression of each mapped key (a quoted column, or a preset's own expression). */
  columns: Partial<Record<SourceColumnKey, string>>
  /** The plain column behind a key, when it is one: checked for its type at connect, named in index advice. */
  plain: Partial<Record<SourceColumnKey, string>>
  /** Every column of the table the poll reads, with the key it serves and where it is written. */
  requires: Array<{ column: string; key: SourceColumnKey | null; at: string }>
  statuses: Record<string, SourceMeaning>
  /** Where each status value is mapped: its key under `statuses:`, or `preset:` for a preset's own. */
  statusAt: Record<string, string>
  /** Where to add a status value: `sources.legacy.statuses (jobdeck.yaml:9:5)`. */
  statusesAt: string
  constantType: string | null
  where: string | null
  /** Where `where:` is written (a condition the database refuses is reported there). */
  whereAt: string | null
  /** How a poll finds what changed: the `updated` column, else new rows by `created` (or by id) plus a re-read of the unfinished. */
  changesBy: 'updated' | 'created' | 'id'
  pollMs: number
  listen: string | null
  sinceMs: number
  stuckAfter: { ms: number } | { p95Times: number }
  markFailed: MarkFailedShape | null
  /** Why the preset refuses markFailed (its library's own machinery would fight it), or null. */
  markFailedRefused: string | null
  /** The FROM item of every read when the preset spans tables (pg-boss's job and archive); null: the table. */
  from: string | null
  /** The other tables `from` reads, with the columns each must have: checked at connect like the table. */
  alsoTables: Array<{ schema: string; table: string; columns: readonly string[] }>
  /** The preset's own CREATE INDEX statements, for a library that creates none its poll can use. */
  indexAdvice: string[] | null
  /** Where the source is declared. */
  at: string
  /** Of what decides which rows are mirrored and how: another digest mirrors the source again from scratch. */
  digest: string
}

const PLAIN_COLUMN = /^[A-Za-z_][A-Za-z0-9_$]*$/

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** `schema.table` or `table` (schema public), as written. */
export function splitTable(text: string): { schema: string; table: string } {
  const dot = text.indexOf('.')
  return dot === -1 ? { schema: 'public', table: text } : { schema: text.slice(0, dot), table: text.slice(dot + 1) }
}

export function isPlainColumn(text: string): boolean {
  return PLAIN_COLUMN.test(text)
}

/** From a config that passed every check (config/source-checks.ts). */
export function buildSourceSpec(name: string, config: SourceConfig, place: PlaceOf): SourceSpec {
  const base: PathKey[] = ['sources', name]
  const preset = config.preset ? (PRESETS[config.preset] ?? null) : null
  const presetAt = place([...base, 'preset'])
  const { schema, table } = splitTable(config.table ?? preset?.table ?? '')
  const columns: SourceSpec['columns'] = {}
  const plain: SourceSpec['plain'] = {}
  const requires: SourceSpec['requires'] = []
  const overridden = new Set<string>()
  for (const key of SOURCE_COLUMN_KEYS) {
    const own = config.columns?.[key]
    if (own !== undefined) {
      columns[key] = quoteIdent(own)
      plain[key] = own
      requires.push({ column: own, key, at: place([...base, 'columns', key]) })
      overridden.add(preset?.columns[key] ?? '')
      continue
    }
    const expression = preset?.columns[key]
    if (expression === undefined) continue
    columns[key] = isPlainColumn(expression) ? quoteIdent(expression) : expression
    if (isPlainColumn(expression)) plain[key] = expression
  }
  for (const column of preset?.requires ?? []) {
    if (overridden.has(column) || requires.some((r) => r.column === column)) continue
    const key = SOURCE_COLUMN_KEYS.find((k) => plain[k] === column) ?? null
    requires.push({ column, key, at: presetAt })
  }
  const statuses = { ...(preset?.statuses ?? {}), ...(config.statuses ?? {}) }
  const statusesAt = `sources.${name}.statuses (${config.statuses ? place([...base, 'statuses'], 'key') : presetAt})`
  const constantType = config.type ?? (config.columns?.type !== undefined ? null : (preset?.constantType ?? null))
  const changesBy = columns.updated !== undefined ? 'updated' : preset?.newRowsBy === 'id' && config.columns?.created === undefined ? 'id' : 'created'
  const spec: Omit<SourceSpec, 'digest'> = {
    name,
    preset: config.preset ?? null,
    connection: config.connection ?? null,
    schema,
    table,
    tableText: `${schema}.${table}`,
    tableAt: config.table !== undefined ? place([...base, 'table']) : presetAt,
    columns,
    plain,
    requires,
    statuses,
    statusAt: Object.fromEntries(
      Object.keys(statuses).map((value) => [value, config.statuses && Object.hasOwn(config.statuses, value) ? place([...base, 'statuses', value], 'key') : presetAt]),
    ),
    statusesAt,
    constantType,
    where: config.where ?? null,
    whereAt: config.where !== undefined ? place([...base, 'where']) : null,
    changesBy,
    pollMs: config.poll,
    listen: config.listen ?? null,
    sinceMs: config.since,
    stuckAfter: config.stuckAfter,
    markFailed: preset?.markFailedRefused !== undefined ? null : markFailedShape(config, preset?.markFailed, statuses, plain),
    markFailedRefused: preset?.markFailedRefused ?? null,
    ...spannedTables(preset, schema),
    at: place(base, 'key'),
  }
  const digest = createHash('sha256')
    .update(JSON.stringify([spec.schema, spec.table, spec.from, spec.columns, spec.statuses, spec.constantType, spec.where, spec.changesBy]))
    .digest('hex')
    .slice(0, 32)
  return { ...spec, digest }
}

/** A preset's other tables and its own advice, `{schema}` being the (quoted) schema of the table read. */
function spannedTables(preset: PresetShape | null, schema: string): Pick<SourceSpec, 'from' | 'alsoTables' | 'indexAdvice'> {
  const inSchema = (sql: string): string => sql.replaceAll('{schema}', quoteIdent(schema))
  return {
    from: preset?.from !== undefined ? inSchema(preset.from) : null,
    alsoTables: Object.entries(preset?.alsoRequires ?? {}).map(([table, columns]) => ({ ...splitTable(table.replaceAll('{schema}', schema)), columns })),
    indexAdvice: preset?.indexAdvice ? preset.indexAdvice.map(inSchema) : null,
  }
}

function markFailedShape(
  config: SourceConfig,
  fromPreset: { running: string; failed: string; finishedColumn?: string } | undefined,
  statuses: Record<string, SourceMeaning>,
  plain: SourceSpec['plain'],
): MarkFailedShape | null {
  const enabled = config.actions.markFailed
  if (fromPreset && config.statuses === undefined && config.columns?.status === undefined) {
    return { enabled, running: fromPreset.running, failed: fromPreset.failed, finishedColumn: plain.finished ?? fromPreset.finishedColumn ?? null }
  }
  const running = valuesMeaning(statuses, 'running')
  const failed = valuesMeaning(statuses, 'failed')
  if (running.length !== 1 || failed.length === 0 || plain.status === undefined) return null
  return { enabled, running: running[0] as string, failed: failed[0] as string, finishedColumn: plain.finished ?? null }
}

export function valuesMeaning(statuses: Record<string, SourceMeaning>, meaning: SourceMeaning): string[] {
  return Object.entries(statuses)
    .filter(([, m]) => m === meaning)
    .map(([value]) => value)
}
