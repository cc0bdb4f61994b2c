// A preset: the shape of a well-known job table (a seed app's, or a queue library's), so a source
// needs only `preset: river`. A table mapped by `columns:` becomes the same thing with each column
// quoted (source-spec.ts); a preset may use SQL expressions over its own columns, since it is ours.
import type { SourceColumnKey, SourceMeaning, SourcePreset } from '../../../src-shared/sources'

export interface PresetShape {
  name: SourcePreset
  /** The table it reads when the source gives no `table:`, schema-qualified. */
  table: string
  /**
   * The value of each mapped key, as an SQL expression over the table's columns (a plain column
   * name for most). `id` and `status` are required; `type` or `constantType` names the type.
   */
  columns: Partial<Record<SourceColumnKey, string>>
  /** The table's own columns those expressions read: each is checked at connect. */
  requires: readonly string[]
  /** Every status value the table holds, and what it means to Jobdeck. */
  statuses: Readonly<Record<string, SourceMeaning>>
  /** The type of every row when the table has no type column. */
  constantType?: string
  /**
   * How new rows are found when there is no `updated` column: by `created` (default), or by `id`
   * when ids only grow (bigserial), which every such table indexes.
   */
  newRowsBy?: 'created' | 'id'
  /** The status value a running row has (for `markFailed`'s guard) and the value it sets. */
  markFailed?: { running: string; failed: string; finishedColumn?: string; errorColumn?: string }
  /**
   * Why `actions.markFailed: true` is refused for this preset: the library's own machinery would
   * undo the mark, or already fails such rows by its own policy. Config load reports it.
   */
  markFailedRefused?: string
  /**
   * When the library keeps a job in more than one table over its life (pg-boss moves finished and
   * expired jobs to its archive): the query every read selects from instead of `table` (as a
   * subquery), whose output columns the `columns` expressions name. `{schema}` stands for the
   * schema of the table read (the preset's, or the source's own `table:`), quoted.
   */
  from?: string
  /** The other tables `from` reads (`{schema}.archive`), each checked at connect like `table`. */
  alsoRequires?: Readonly<Record<string, readonly string[]>>
  /**
   * The statements that give the poll an index when the library creates none it can use (shown as
   * the index advice when the poll's plan scans); `{schema}` as in `from`.
   */
  indexAdvice?: readonly string[]
}
