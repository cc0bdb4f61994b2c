// The SQL a source's poll runs, built once per source from its spec and the table's shape:
// identifiers quoted, values bound, `where:` ANDed in parens, every timestamp read as epoch ms
// (the session runs in UTC) and every id as text. Also the table's check at connect and the
// index advice (EXPLAIN of the poll).
import type { SourceColumnKey, IndexAdvice } from '../../../src-shared/sources'
import { quoteIdent, type SourceSpec } from './source-spec'

export interface Queryable {
  query<R extends Record<string, unknown> = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>
}

/** A column as the catalog has it: its type as SQL writes it, and its type category (pg_type.typcategory). */
export interface ColumnShape {
  type: string
  category: string
}

/**
 * Where a poll resumes: the last row's ordering value as the database wrote it (`at`, the text of
 * its `updated` or `created`) and its id. A poll starts from `at` less a safety margin with no id
 * (rows committed late with an older time are read again), then pages on exactly (`at`, `id`).
 * Ordered by id: `id` only, read inclusively (the last row is read again, unchanged).
 */
export interface Watermark {
  at: string | null
  id: string | null
}

export interface TableShape {
  columns: Map<string, ColumnShape>
  rowEstimate: number
}

const TIME_KEYS: readonly SourceColumnKey[] = ['created', 'started', 'finished', 'updated']
const NUMBER_KEYS: readonly SourceColumnKey[] = ['total', 'ok', 'failed']

/** The table's columns, or null when there is no such table (or view). */
export function readTableShape(db: Queryable, spec: SourceSpec): Promise<TableShape | null> {
  return readShapeOf(db, spec.schema, spec.table)
}

/** What is missing from the other tables a preset reads (pg-boss's archive), named like the table's own problems. */
export async function alsoTableProblems(db: Queryable, spec: SourceSpec): Promise<string[]> {
  const problems: string[] = []
  for (const { schema, table, columns } of spec.alsoTables) {
    const shape = await readShapeOf(db, schema, table)
    const where = `${spec.tableAt}: sources.${spec.name}.preset`
    if (shape === null) problems.push(`${where}: table ${schema}.${table}, which the ${spec.preset} preset reads too, does not exist (or this user cannot see it)`)
    else for (const column of columns) if (!shape.columns.has(column)) problems.push(`${where}: column "${column}" does not exist in ${schema}.${table}`)
  }
  return problems
}

async function readShapeOf(db: Queryable, schema: string, table: string): Promise<TableShape | null> {
  const { rows } = await db.query<{ column: string | null; type: string | null; category: string | null; estimate: number }>(
    `SELECT a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type, t.typcategory AS category, greatest(c.reltuples, coalesce(pg_stat_get_live_tuples(c.oid), 0))::float8 AS estimate
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       LEFT JOIN pg_type t ON t.oid = a.atttypid
      WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'v', 'm', 'p', 'f')`,
    [schema, table],
  )
  if (rows.length === 0) return null
  const columns = new Map<string, ColumnShape>()
  for (const row of rows) if (row.column !== null) columns.set(row.column, { type: row.type ?? '', category: row.category ?? '' })
  return { columns, rowEstimate: Math.max(0, Math.round(rows[0]?.estimate ?? 0)) }
}

/** What is wrong with the table for this spec, each naming where in the config to fix it. */
export function shapeProblems(spec: SourceSpec, shape: TableShape | null): string[] {
  if (shape === null) return [`${spec.tableAt}: sources.${spec.name}: table ${spec.tableText} does not exist (or this user cannot see it)`]
  const problems: string[] = []
  for (const { column, key, at } of spec.requires) {
    const path = key !== null && spec.preset === null ? `sources.${spec.name}.columns.${key}` : key !== null ? `sources.${spec.name}.columns.${key} (${spec.preset} preset)` : `sources.${spec.name}.preset`
    const found = shape.columns.get(column)
    if (!found) {
      problems.push(`${at}: ${path}: column "${column}" does not exist in ${spec.tableText}`)
      continue
    }
    const expected = key === null ? null : expectedType(key, found)
    if (expected) problems.push(`${at}: ${path}: column "${column}" is ${found.type}; expected ${expected}`)
  }
  return problems
}

/** Null when the column's type serves the key, else what was expected. */
function expectedType(key: SourceColumnKey, column: ColumnShape): string | null {
  if (TIME_KEYS.includes(key)) return column.category === 'D' && /^(timestamp|date)/.test(column.type) ? null : 'timestamptz, timestamp or date'
  if (key === 'id') return ['S', 'N', 'U'].includes(column.category) && !/^(numeric|real|double)/.test(column.type) ? null : 'text, an integer or uuid'
  if (NUMBER_KEYS.includes(key)) return column.category === 'N' ? null : 'a number'
  if (key === 'status') return ['S', 'E', 'N'].includes(column.category) ? null : 'text, an enum or an integer'
  return null
}

/** The statements of one source, for the table's shape at the last check. */
export interface SourcePlan {
  /** Changed (or new) rows after a watermark, ordered, one page: its values come from `changesArgs`. */
  changes: string
  changesArgs(mark: Watermark, limit: number, marginMs: number): unknown[]
  /** Rows by id: $1 ids as text[]. */
  byId: string
  /** For id-ordered new rows: where the backfill starts ($1 since). */
  firstId: string | null
  /** The UPDATE of markFailed: $1 id, $2 failed value, $3 running value. */
  markFailed: string | null
  /** The column (or expression) a poll orders by: what an index must lead with. */
  orderBy: string
}

export function planSource(spec: SourceSpec, shape: TableShape): SourcePlan {
  const c = spec.columns
  const typeOf = (key: SourceColumnKey): string => {
    const plain = spec.plain[key]
    return (plain !== undefined ? shape.columns.get(plain)?.type : undefined) ?? 'text'
  }
  const own = `${quoteIdent(spec.schema)}.${quoteIdent(spec.table)}`
  // Every read's FROM item is `src` (a preset spanning tables reads them all through its subquery;
  // markFailed writes the table itself). ORDER BY names the table's column through it: a bare "id"
  // there would be the select's text id of the same name, which sorts '10' before '9' and breaks paging.
  const table = spec.from !== null ? `(${spec.from}) AS src` : `${own} AS src`
  const sortKey = (key: SourceColumnKey): string => {
    const plain = spec.plain[key]
    return plain !== undefined ? `src.${quoteIdent(plain)}` : (c[key] as string)
  }
  const id = c.id as string
  const ms = (key: SourceColumnKey): string => (c[key] ? `(extract(epoch FROM ${c[key]}) * 1000)::float8` : 'NULL::float8')
  const text = (key: SourceColumnKey): string => (c[key] ? `(${c[key]})::text` : 'NULL::text')
  const num = (key: SourceColumnKey): string => (c[key] ? `(${c[key]})::float8` : 'NULL::float8')
  const select = [
    `(${id})::text AS id`, `${text('status')} AS status`, `${text('type')} AS type`, `${ms('created')} AS created`,
    `${ms('started')} AS started`, `${ms('finished')} AS finished`, `${ms('updated')} AS updated`, `${text('error')} AS error`,
    `${num('total')} AS total`, `${num('ok')} AS ok`, `${num('failed')} AS failed`, `${text('lane')} AS lane`,
  ].join(', ')
  const where = spec.where ? ` AND (${spec.where})` : ''
  const idType = typeOf('id')
  let changes: string
  let orderBy: string
  if (spec.changesBy === 'id') {
    orderBy = id
    changes = `SELECT ${select}, NULL::text AS w FROM ${table}
      WHERE ($1::${idType} IS NULL OR ${id} >= $1::${idType})${where}
      ORDER BY ${sortKey('id')} LIMIT $2`
  } else {
    const key = spec.changesBy === 'updated' ? 'updated' : 'created'
    const w = c[key] as string
    const wType = typeOf(key)
    orderBy = w
    changes = `SELECT ${select}, (${w})::text AS w FROM ${table}
      WHERE ${w} >= $1::${wType} - $4::interval AND ($2::${idType} IS NULL OR ${w} > $1::${wType} OR ${id} > $2::${idType})${where}
      ORDER BY ${sortKey(key)}, ${sortKey('id')} LIMIT $3`
  }
  const byId = `SELECT ${select}, NULL::text AS w FROM ${table} WHERE ${id} = ANY($1::${idType}[])`
  // Ordered by id: the backfill starts at the first row created since `since:` (else at the newest row).
  const firstId = spec.changesBy === 'id'
    ? `SELECT coalesce(${c.created ? `(SELECT min(${id}) FROM ${table} WHERE ${c.created} >= $1::timestamptz${where}), ` : ''}(SELECT max(${id}) FROM ${table}))::text AS id`
    : null
  const mf = spec.markFailed
  const status = spec.plain.status
  const markFailed = mf && status !== undefined
    ? `UPDATE ${own} SET ${quoteIdent(status)} = $2::${typeOf('status')}${mf.finishedColumn ? `, ${quoteIdent(mf.finishedColumn)} = now()` : ''}
      WHERE ${id} = $1::${idType} AND ${quoteIdent(status)} = $3::${typeOf('status')}`
    : null
  const changesArgs = (mark: Watermark, limit: number, marginMs: number): unknown[] =>
    spec.changesBy === 'id' ? [mark.id, limit] : [mark.at, mark.id, limit, `${mark.id === null ? marginMs : 0} milliseconds`]
  return { changes, changesArgs, byId, firstId, markFailed, orderBy }
}

interface PlanNode {
  'Node Type': string
  'Relation Name'?: string
  'Index Name'?: string
  Plans?: PlanNode[]
}

/**
 * Whether the poll can read the table through an index: EXPLAIN with sequential scans priced out
 * (`enable_seqscan = off`), so the answer is about the indexes there are, not about how small the
 * table is today. A plan that still scans the table has no index to use. Without `updated`, the
 * re-read of unfinished rows by id is a poll too, and is explained as well. A preset spanning
 * tables is read through partitions and archives of other names: a scan of any of them counts.
 */
export async function adviseIndex(db: Queryable, spec: SourceSpec, plan: SourcePlan, sample: unknown[]): Promise<IndexAdvice> {
  await db.query('BEGIN')
  try {
    await db.query('SET LOCAL enable_seqscan = off')
    const explained: Array<[string, unknown[], string]> = [[plan.changes, sample, plan.orderBy]]
    if (spec.changesBy !== 'updated') explained.push([plan.byId, [[]], spec.columns.id as string])
    let first: PlanNode | undefined
    for (const [sql, values, column] of explained) {
      const { rows } = await db.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (FORMAT JSON) ${sql}`, values)
      const root = rows[0]?.['QUERY PLAN'][0]?.Plan
      const scans = root ? nodesOn(root, spec.from === null ? spec.table : null) : []
      const seq = scans.find((node) => node['Node Type'] === 'Seq Scan')
      if (seq) return { indexed: false, plan: planLine(seq, spec), createIndex: spec.indexAdvice?.join(';\n') ?? `CREATE INDEX CONCURRENTLY ON ${quoteIdent(spec.schema)}.${quoteIdent(spec.table)} (${column})` }
      first ??= scans[0] ?? root
    }
    return { indexed: true, plan: first ? planLine(first, spec) : '', createIndex: null }
  } finally {
    await db.query('ROLLBACK')
  }
}

function planLine(node: PlanNode, spec: SourceSpec): string {
  // A bitmap scan names its index in the Bitmap Index Scan below it.
  const index = node['Index Name'] ?? bitmapIndexes(node).join(', ')
  const kind = node['Node Type'] === 'Bitmap Heap Scan' && index ? 'Bitmap Index Scan' : node['Node Type']
  const relation = node['Relation Name'] ?? spec.table
  // A preset's own tables read through its subquery: any other relation is one of the table's partitions (pg-boss's j<hash> per queue).
  const known = relation === spec.table || spec.alsoTables.some((t) => t.table === relation)
  return `${kind}${index ? ` using ${index}` : ''} on ${relation}${spec.from !== null && !known ? ` (a partition of ${spec.tableText})` : ''}`
}

function bitmapIndexes(node: PlanNode): string[] {
  return (node.Plans ?? []).flatMap((child) => (child['Index Name'] ? [child['Index Name']] : bitmapIndexes(child)))
}

/** The nodes reading `table`, or every relation when null. */
function nodesOn(node: PlanNode, table: string | null): PlanNode[] {
  const own = node['Relation Name'] !== undefined && (table === null || node['Relation Name'] === table) ? [node] : []
  return [...own, ...(node.Plans ?? []).flatMap((child) => nodesOn(child, table))]
}
